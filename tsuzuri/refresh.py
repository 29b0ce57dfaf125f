"""mkdocs serve's fast path: saved posts re-read, cleaned, rendered and linked on their own.

A full rebuild reads, places and cross-links every post. When an editor saves a post whose
edit leaves alone what the site derives *across* posts from it, only that post needs the
work, and only the pages that show it change. ``refresh`` does the one post's work and swaps
the result into the last build's ``Site``; the caller then re-derives the page set
(``pages.build``, in memory) and renders only the pages whose inputs changed.

What the site derives across posts, and so what a refreshed post must keep (``shape``):
its file, URL, front matter (except the keys only its own page, its list entries and the feeds
show: title, description, author, last_modified_at), and its related-posts features (tags and
the entities it mentions). A changed title, summary, reading time, entity count or snippet is
fine: pages.build picks it up. Anything else (a new, deleted or renamed post, a new date, tag or
entity) returns None and the caller rebuilds the whole site, as it would have anyway.

The refreshed post is a new value; its fields are copied onto the Post object the site holds,
so every list, term and related entry that refers to that post sees the new values.
"""

from __future__ import annotations

import functools
from pathlib import Path

from . import excerpts, links, publish, related
from .cache import Memo, PostCache
from .diagnostics import Diagnostics
from .render import Renderer
from .site import INTERNAL, Site, _last_links, _resolver, assign_urls, link_mentions, reserved_outputs, safe_prepare

FREE_KEYS = frozenset({"title", "description", "author", "last_modified_at"})


def shape(post) -> tuple:
    """What other posts' derivations read of a post (see the module's docstring)."""
    data = sorted(((k, repr(v)) for k, v in post.data.items() if k not in FREE_KEYS), key=repr)
    return (post.rel, post.url, post.dest_uri, post.published, tuple(data), frozenset(related.features(post)))


def refresh(site: Site, paths: list[Path]) -> list | None:
    """Re-read and prepare the posts at ``paths`` into ``site`` (in place); their diagnostics,
    or None when an edit reaches beyond the post's own pages (then nothing was changed)."""
    if not site.complete or site.link_index is None or not paths:
        return None
    by_path = {p.path: p for p in site.posts}  # (discover's paths: under the resolved root)
    config, root = site.config, site.root
    cache = PostCache(site.cache_dir)
    fresh = []
    for path in paths:
        old = by_path.get(Path(path)) or by_path.get(Path(path).resolve())
        if old is None:
            return None  # a new, unpublished or unplaced post: the whole site decides
        post, diags = cache.read(old.path, config, root / config.posts_dir, root)
        if post is None or not post.published:
            return None
        placed = assign_urls([post], config, Diagnostics(), reserved_outputs(root, config))
        if not placed or post.dest_uri != old.dest_uri:
            return None
        fresh.append((old, post))
    resolver = functools.partial(_resolver, site.posts, root=root)  # every post's URL, as the build has
    cache.prepare_all([p for _, p in fresh], config, safe_prepare, lambda _posts, cfg: resolver(cfg), Renderer)
    cache.finish(prune=False)
    memo = Memo(site.cache_dir, "mentions")
    for old, post in fresh:
        if any(d.message.startswith(INTERNAL) for d in post.diagnostics):
            return None
        excerpts.review([post], config.excerpt_chars, site.excerpt_templates)
        link_mentions(post, site, memo, _last_links[0])
        if shape(post) != shape(old):
            return None
    memo.save()
    found = Diagnostics()
    docs = root / config.docs_dir
    for old, post in fresh:
        sources = {old.source, post.source}
        site.diagnostics[:] = [d for d in site.diagnostics if d.file not in sources]
        old.__dict__.update(post.__dict__)  # the site's Post object, holding the new values
        old.diagnostics = Diagnostics(post.diagnostics)
        publish.images([old], docs, docs.relative_to(root).as_posix() if docs.is_relative_to(root) else str(docs),
                       old.diagnostics)  # (its image is in its shape: only the warning is wanted)
        site.link_index.ids.pop(links._nfc(links.unquote(old.dest_uri)), None)
        old.diagnostics.extend(links.diagnostics(links.check_post(old, site.link_index)))
        found.extend(old.diagnostics)
    site.diagnostics.extend(found)
    return list(found)
