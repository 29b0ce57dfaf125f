"""Study: could a faster GFM renderer replace Python-Markdown for posts?

    python bench/renderer_study.py /work/realblog/today            # Markdown report on stdout
    python bench/renderer_study.py /work/realblog/today --limit 200
    python bench/renderer_study.py /work/realblog/today --profile 200   # + cProfile of read+prepare

Every post's body goes through tsuzuri's own pre-steps as ``site.prepare`` runs them
(front matter split, ``fragments.clean``, ``titles.resolve``, ``kramdown.apply``; Liquid is not
run: every renderer gets the same text), then through each installed renderer. Reported:

1. CPU seconds (``time.process_time``, one process) to render every body, relative to
   Python-Markdown configured as ``tsuzuri.render.Renderer`` configures it;
2. per feature, counted over the posts, on the *sanitised* output (``tsuzuri.sanitize.clean``,
   as published): tables, headings and their ids (and whether they equal Python-Markdown's),
   in-page ``href="#..."`` links that resolve to an id of the same page, footnotes, kramdown
   ``{: .class}`` attributes applied or leaked as text, code blocks with a language class, raw
   HTML kept or escaped, what the sanitiser removed, and posts whose visible text differs from
   Python-Markdown's, by category of cause.

Renderers that are not installed are skipped. No post text is printed: only counts.
"""

from __future__ import annotations

import argparse
import cProfile
import difflib
import html
import pstats
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from markdown.extensions.toc import slugify_unicode  # noqa: E402

from tsuzuri import fragments, frontmatter, kramdown, sanitize, titles  # noqa: E402
from tsuzuri.render import Renderer  # noqa: E402


# ---------------------------------------------------------------- the posts, as prepare hands them on

def load_bodies(root: Path, limit: int | None = None) -> list[tuple[str, str]]:
    """(file name, Markdown) for every post under root/_posts, after tsuzuri's pre-steps."""
    posts_dir = root / "_posts" if (root / "_posts").is_dir() else root
    paths = sorted(p for p in posts_dir.rglob("*") if p.suffix in (".md", ".markdown") and p.is_file())
    if limit:
        paths = paths[:limit]
    out = []
    for path in paths:
        split = frontmatter.split(path.read_text(encoding="utf-8", errors="replace"))
        cleaned, _ = fragments.clean(split.body, split.body_line)
        title = str((split.data or {}).get("title") or "")
        _, cleaned, _ = titles.resolve(title, cleaned)
        markdown, _ = kramdown.apply(cleaned)
        out.append((path.name, markdown))
    return out


# ---------------------------------------------------------------- the renderers

def pymd_slug(text: str) -> str:
    return slugify_unicode(text, "-")


def make_python_markdown():
    """The Markdown step of tsuzuri.render.Renderer (its instance, reset per post)."""
    md = Renderer()._md
    safe_ids = md.treeprocessors["tz_safe_ids"]

    def render(text: str) -> str:
        md.reset()
        safe_ids.changed = []
        return md.convert(text)
    return render


def make_markdown_it(plugins: bool = True, tsuzuri_rules: bool = False):
    from markdown_it import MarkdownIt
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    if plugins:
        from mdit_py_plugins.anchors import anchors_plugin
        from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
        from mdit_py_plugins.deflist import deflist_plugin
        from mdit_py_plugins.footnote import footnote_plugin
        md.use(footnote_plugin).use(deflist_plugin).use(attrs_plugin).use(attrs_block_plugin)
        if tsuzuri_rules:
            md.core.ruler.push("tz_trailing_ial", _trailing_ial_rule)
            md.core.ruler.push("tz_heading_ids", _pymd_heading_ids_rule)
        else:
            md.use(anchors_plugin, min_level=1, max_level=6, slug_func=pymd_slug)
    return md.render


_TRAILING_IAL_RE = re.compile(r"\n[ ]{0,3}\{:\s*([^}\n]*?)\s*\}[ \t]*$")
_IAL_PART_RE = re.compile(r"""\.([\w-]+)|#([\w-]+)|([\w-]+)=(?:"([^"]*)"|'([^']*)'|(\S+))""")


def _trailing_ial_rule(state) -> None:
    """What kramdown.apply leaves (an IAL as a paragraph's last line) -> the paragraph's attributes,
    as Python-Markdown's attr_list applies it."""
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type != "inline" or "{:" not in tok.content or i == 0 or tokens[i - 1].type != "paragraph_open":
            continue
        m = _TRAILING_IAL_RE.search(tok.content)
        if not m:
            continue
        tok.content = tok.content[:m.start()]
        kids = tok.children or []
        # the IAL is the last text child, after a softbreak
        if len(kids) >= 2 and kids[-1].type == "text" and kids[-2].type == "softbreak":
            del kids[-2:]
        opener = tokens[i - 1]
        for part in _IAL_PART_RE.finditer(m.group(1)):
            if part.group(1):
                cls = opener.attrGet("class")
                opener.attrSet("class", f"{cls} {part.group(1)}" if cls else part.group(1))
            elif part.group(2):
                opener.attrSet("id", part.group(2))
            else:
                opener.attrSet(part.group(3), next(g for g in part.group(4, 5, 6) if g is not None))


def _pymd_heading_ids_rule(state) -> None:
    """Heading ids as Python-Markdown's toc makes them: slugify_unicode of the text, "_1", "_2"
    for repeats; an explicit id (attrs) is kept."""
    used: set[str] = set()
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open":
            continue
        if tok.attrGet("id"):
            used.add(tok.attrGet("id"))
            continue
        text = "".join(c.content for c in (tokens[i + 1].children or []) if c.type in ("text", "code_inline"))
        slug = pymd_slug(text)
        base, n = slug, 0
        while slug in used:
            n += 1
            slug = f"{base}_{n}"
        used.add(slug)
        tok.attrSet("id", slug)


def make_cmarkgfm():
    import cmarkgfm
    from cmarkgfm.cmark import Options
    opts = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES
    exts = ["table", "strikethrough", "autolink", "tagfilter", "tasklist"]
    return lambda text: cmarkgfm.markdown_to_html_with_extensions(text, options=opts, extensions=exts)


def make_comrak(cjk: bool = False):
    import warnings

    import comrak
    ext = comrak.ExtensionOptions()
    ext.table = ext.footnotes = ext.strikethrough = ext.autolink = ext.tasklist = True
    ext.description_lists = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ext.header_id_prefix = ""     # GitHub-style heading ids
    if cjk:
        ext.cjk_friendly_emphasis = True
    ren = comrak.RenderOptions()
    ren.unsafe_ = True
    return lambda text: comrak.render_markdown(text, extension_options=ext, render_options=ren)


def make_pyromark():
    import pyromark
    O = pyromark.Options
    opts = (O.ENABLE_TABLES | O.ENABLE_FOOTNOTES | O.ENABLE_STRIKETHROUGH | O.ENABLE_TASKLISTS
            | O.ENABLE_HEADING_ATTRIBUTES | O.ENABLE_DEFINITION_LIST)
    return lambda text: pyromark.html(text, options=opts)


def make_mistune():
    import mistune
    from mistune.toc import add_toc_hook
    md = mistune.create_markdown(escape=False, hard_wrap=False,
                                 plugins=["table", "footnotes", "strikethrough", "def_list", "abbr", "url"])

    def heading_id(token, index):
        return pymd_slug(token.get("text", "")) or f"toc_{index}"
    add_toc_hook(md, min_level=1, max_level=6, heading_id=heading_id)
    return md


def make_marko():
    import marko
    md = marko.Markdown(extensions=["gfm", "footnote", "toc"])
    return md.convert


RENDERERS = [
    # (name, factory, what it is)
    ("python-markdown", make_python_markdown, "Markdown 3 + render.py's EXTENSIONS (the reference)"),
    ("markdown-it-py", lambda: make_markdown_it(False), "commonmark + table + strikethrough, no plugins"),
    ("markdown-it-py+plugins", make_markdown_it, "+ footnote, deflist, attrs, attrs_block, anchors(slugify_unicode)"),
    ("markdown-it-py+tsuzuri", lambda: make_markdown_it(True, True),
     "+ footnote, deflist, attrs; two 30-line core rules written here: trailing {: } IAL, pymd heading ids"),
    ("cmarkgfm", make_cmarkgfm, "cmark-gfm (C): table, strikethrough, autolink, tagfilter, tasklist, footnotes"),
    ("comrak", make_comrak, "comrak (Rust): GFM + footnotes + description lists + header ids"),
    ("comrak+cjk", lambda: make_comrak(True), "as comrak + cjk_friendly_emphasis"),
    ("pyromark", make_pyromark, "pulldown-cmark (Rust): tables, footnotes, strikethrough, tasklists, heading attributes"),
    ("mistune", make_mistune, "mistune 3 (not CommonMark): table, footnotes, def_list, abbr, toc hook ids"),
    ("marko", make_marko, "marko (pure Python, CommonMark): gfm, footnote, toc"),
]


# ---------------------------------------------------------------- measuring an output

_ID_RE = re.compile(r'\sid="([^"]*)"')
_HEADING_RE = re.compile(r"<h([1-6])\b([^>]*)>")
_A_RE = re.compile(r"<a\b([^>]*)>")
_HREF_HASH_RE = re.compile(r'\shref="#([^"]*)"')
_CLASS_RE = re.compile(r'\sclass="([^"]*)"')
_TAGS_RE = re.compile(r"<[^>]+>")
_WS_RE = re.compile(r"\s+")
_PRE_RE = re.compile(r"<pre\b[^>]*>.*?</pre>", re.DOTALL)
_CODE_RE = re.compile(r"<code\b[^>]*>.*?</code>", re.DOTALL)
_PRE_OPEN_RE = re.compile(r"<pre\b[^>]*>(?:\s*<span[^>]*></span>)?\s*(?:<code\b[^>]*>)?")
_WRAPPER_RE = re.compile(r'<div class="[^"]*\blanguage-[^"]*"[^>]*>\s*\Z')
_LANG_RE = re.compile(r'class="[^"]*\blang(?:uage)?-[\w+#.-]+')
_FN_REF_RE = re.compile(r'<sup\b[^>]*>\s*<a\b[^>]*href="#(?:fn|user-content-fn|footnote)[^"]*"|'
                        r'<sup class="footnote-reference"')
_ESCAPED_TAG_RE = re.compile(r"&lt;/?([a-zA-Z][a-zA-Z0-9]*)\b")
_SRC_TAG_RE = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^<>\n]*>")
_IAL_CLASS_RE = re.compile(r"\{:[^}\n]*?\.([\w-]+)")


@dataclass
class Stats:
    cpu: float = 0.0
    sanitize_cpu: float = 0.0
    failed: int = 0
    counts: Counter = field(default_factory=Counter)
    posts: Counter = field(default_factory=Counter)       # posts with a property
    diff_categories: Counter = field(default_factory=Counter)


def visible_text(body: str) -> str:
    return _WS_RE.sub(" ", html.unescape(_TAGS_RE.sub(" ", body))).strip()


def heading_ids(body: str) -> list[str]:
    """The id of every heading: on the heading, or on an anchor inside it (comrak's style)."""
    ids = []
    for m in _HEADING_RE.finditer(body):
        own = _ID_RE.search(m.group(2))
        if own:
            ids.append(html.unescape(own.group(1)))
            continue
        close = body.find("</h", m.end())
        inner = _ID_RE.search(body, m.end(), close if close > 0 else len(body))
        ids.append(html.unescape(inner.group(1)) if inner else "")
    return ids


def in_page_links(body: str) -> list[str]:
    """Targets of the post's own in-page links (not a renderer's heading anchors or footnote links)."""
    out = []
    for m in _A_RE.finditer(body):
        attrs = m.group(1)
        href = _HREF_HASH_RE.search(attrs)
        if not href:
            continue
        cls = _CLASS_RE.search(attrs)
        if cls and re.search(r"anchor|footnote|headerlink", cls.group(1)):
            continue
        out.append(unquote(html.unescape(href.group(1))))
    return out


def outside_code(body: str) -> str:
    return _CODE_RE.sub(" ", _PRE_RE.sub(" ", body))


def measure(body: str, source: str, stats: Stats) -> None:
    c = stats.counts
    c["tables"] += body.count("<table")
    heads = heading_ids(body)
    c["headings"] += len(heads)
    c["headings with id"] += sum(1 for h in heads if h)
    links = in_page_links(body)
    ids = {html.unescape(i) for i in _ID_RE.findall(body)}
    c["in-page links"] += len(links)
    c["in-page links resolved"] += sum(1 for t in links if t in ids)
    c["footnote refs"] += len(_FN_REF_RE.findall(body))
    classes = set(_IAL_CLASS_RE.findall(source))
    for cls in classes:
        c["IAL classes applied"] += len(re.findall(rf'\sclass="(?:[^"]*\s)?{re.escape(cls)}(?:\s[^"]*)?"', body))
    c["IAL classes in source"] += len(_IAL_CLASS_RE.findall(source))
    text_out = outside_code(body)
    leaked = text_out.count("{:")
    c["IAL leaked as text"] += leaked
    pres = _PRE_RE.findall(body)
    c["code blocks"] += len(pres)
    # a language class on <pre>/<code>, or on the wrapper pymdownx.highlight puts around <pre>
    for m in _PRE_OPEN_RE.finditer(body):
        if _LANG_RE.search(m.group(0)) or _WRAPPER_RE.search(body, max(0, m.start() - 200), m.start()):
            c["code blocks with language class"] += 1
    c["raw HTML tags in source (outside code)"] += len(_SRC_TAG_RE.findall(_strip_md_code(source)))
    c["escaped tags in output (outside code)"] += len(_ESCAPED_TAG_RE.findall(text_out))
    if leaked:
        stats.posts["posts with IAL leaked"] += 1


_FENCED_RE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,}).*?^[ \t]{0,3}\1[ \t]*$", re.DOTALL | re.MULTILINE)


def _strip_md_code(text: str) -> str:
    return kramdown.CODE_SPAN_RE.sub(" ", _FENCED_RE.sub(" ", text))


# ---------------------------------------------------------------- why the visible text differs

CATEGORIES = [
    ("IAL {: } left as text", lambda a, b: "{:" in b and "{:" not in a),
    ("emphasis markers (* _) left as text: CommonMark flanking rules next to CJK punctuation",
     lambda a, b: re.sub(r"[^*_]", "", b) != re.sub(r"[^*_]", "", a) and len(re.sub(r"[^*_]", "", b)) > len(re.sub(r"[^*_]", "", a))),
    ("emphasis markers consumed where Python-Markdown keeps them",
     lambda a, b: len(re.sub(r"[^*_]", "", a)) > len(re.sub(r"[^*_]", "", b))),
    ("footnote markup (numbers, back-links)", lambda a, b: "↩" in a + b or re.fullmatch(r"[\s\[\]\d↩︎]*", a + b) is not None),
    ("table text (a table read differently)", lambda a, b: "|" in a + b),
    ("HTML tag shown as text vs markup", lambda a, b: "<" in a + b or ">" in a + b),
    ("Markdown link/image syntax left as text vs read", lambda a, b: "](" in a + b or "[" in a + b or "]" in a + b),
    ("heading/list/quote markers (# - > 1.) as text vs read", lambda a, b: bool(re.search(r"(^|\s)(#{1,6}|[-+>]|\d+[.)])(\s|$)", a + " " + b))),
    ("backslash escapes / entities", lambda a, b: "\\" in a + b or "&" in a + b),
]


def categorise(ref: str, got: str) -> set[str]:
    """Categories of the differences between two visible texts (token-level diff)."""
    a_tok, b_tok = ref.split(" "), got.split(" ")
    found = set()
    sm = difflib.SequenceMatcher(None, a_tok, b_tok, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        a, b = " ".join(a_tok[i1:i2]), " ".join(b_tok[j1:j2])
        if a.replace(" ", "") == b.replace(" ", ""):
            found.add("spacing only (tokens split or joined differently)")
            continue
        for name, test in CATEGORIES:
            if test(a, b):
                found.add(name)
                break
        else:
            found.add("other")
    return found


# ---------------------------------------------------------------- the run

def run(bodies: list[tuple[str, str]], only: set[str] | None = None) -> tuple[dict, list[tuple[str, str]]]:
    results: dict[str, Stats] = {}
    info = []
    ref_text: list[str] = []
    ref_ids: list[list[str]] = []
    for name, factory, what in RENDERERS:
        if only and name not in only and name != "python-markdown":
            continue
        try:
            render = factory()
        except ImportError as exc:
            print(f"skipped {name}: {exc}", file=sys.stderr)
            continue
        info.append((name, what))
        stats = Stats()
        outs: list[str] = []
        t0 = time.process_time()
        for _, text in bodies:
            try:
                outs.append(render(text))
            except Exception:  # noqa: BLE001 - a renderer's crash is a finding, not the end of the study
                outs.append("")
                stats.failed += 1
        stats.cpu = time.process_time() - t0
        t0 = time.process_time()
        published = []
        removed = Counter()
        for out in outs:
            body, gone = sanitize.clean(out)
            published.append(body)
            for r in gone:
                removed[r.what] += r.count
        stats.sanitize_cpu = time.process_time() - t0
        stats.counts.update({f"sanitiser removed: {k}": v for k, v in removed.items()})
        del outs
        for i, ((_, source), body) in enumerate(zip(bodies, published)):
            measure(body, source, stats)
            ids = heading_ids(body)
            text = visible_text(body)
            if name == "python-markdown":
                ref_ids.append(ids)
                ref_text.append(text)
                continue
            if ids == ref_ids[i]:
                stats.posts["posts whose heading ids all equal Python-Markdown's"] += 1
            if text != ref_text[i]:
                stats.posts["posts whose visible text differs"] += 1
                stats.diff_categories.update(categorise(ref_text[i], text))
        results[name] = stats
        print(f"{name}: {stats.cpu:.2f} s", file=sys.stderr)
    return results, info


def profile_prepare(root: Path, n: int) -> tuple[float, float, float, list[tuple[str, float]]]:
    """cProfile of tsuzuri's per-post stage (read_post + safe_prepare, no cache) on n posts:
    (total CPU, Markdown.convert's cumulative time, sanitize.clean's, top functions)."""
    from tsuzuri.config import SiteConfig
    from tsuzuri.posts import read_post
    from tsuzuri.site import _resolver, safe_prepare

    config = SiteConfig(posts_dir="_posts")
    posts_dir = root / "_posts"
    paths = sorted(posts_dir.glob("*.md"))
    step = max(1, len(paths) // n)
    paths = paths[::step][:n]
    renderer = Renderer()
    posts = [read_post(p, config, posts_dir, root)[0] for p in paths]
    resolve = _resolver([p for p in posts if p], config, root)
    prof = cProfile.Profile()
    t0 = time.process_time()
    prof.enable()
    for path in paths:
        post, _ = read_post(path, config, posts_dir, root)
        if post is not None:
            safe_prepare(post, config, renderer, resolve)
    prof.disable()
    total = time.process_time() - t0
    st = pstats.Stats(prof)
    cum = {}
    for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in st.stats.items():
        key = f"{Path(file).name}:{func}"
        cum[key] = max(cum.get(key, 0.0), ct)
    convert = cum.get("core.py:convert", 0.0)
    clean = cum.get("sanitize.py:clean", 0.0)
    wanted = ["posts.py:read_post", "site.py:prepare", "liquid.py:render", "fragments.py:clean",
              "titles.py:resolve", "kramdown.py:apply", "render.py:__call__", "render.py:too_costly",
              "core.py:convert", "sanitize.py:clean", "render.py:_rendered", "excerpts.py:summary",
              "publish.py:check", "seo.py:check"]
    return total, convert, clean, [(k, cum.get(k, 0.0)) for k in wanted]


def report(results: dict, info: list, n_posts: int) -> str:
    ref = results["python-markdown"]
    lines = [f"Posts: {n_posts}", "", "| renderer | render CPU s | × Python-Markdown | sanitise CPU s | failures |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, _ in info:
        s = results[name]
        lines.append(f"| {name} | {s.cpu:.2f} | {s.cpu / ref.cpu:.3f} | {s.sanitize_cpu:.2f} | {s.failed} |")
    keys = [k for k in ["tables", "headings", "headings with id", "in-page links", "in-page links resolved",
                        "footnote refs", "IAL classes in source", "IAL classes applied", "IAL leaked as text",
                        "code blocks", "code blocks with language class",
                        "raw HTML tags in source (outside code)", "escaped tags in output (outside code)"]]
    extra = sorted({k for s in results.values() for k in s.counts if k.startswith("sanitiser removed")})
    names = [n for n, _ in info]
    lines += ["", "| feature (sum over posts) | " + " | ".join(names) + " |", "| --- |" + " ---: |" * len(names)]
    for k in keys + extra:
        lines.append(f"| {k} | " + " | ".join(str(results[n].counts.get(k, 0)) for n in names) + " |")
    pkeys = ["posts whose heading ids all equal Python-Markdown's", "posts whose visible text differs",
             "posts with IAL leaked"]
    lines += ["", "| posts | " + " | ".join(names) + " |", "| --- |" + " ---: |" * len(names)]
    for k in pkeys:
        lines.append(f"| {k} | " + " | ".join(str(results[n].posts.get(k, 0)) for n in names) + " |")
    cats = sorted({c for s in results.values() for c in s.diff_categories})
    lines += ["", "| posts with a difference of this kind | " + " | ".join(names[1:]) + " |",
              "| --- |" + " ---: |" * (len(names) - 1)]
    for c in cats:
        lines.append(f"| {c} | " + " | ".join(str(results[n].diff_categories.get(c, 0)) for n in names[1:]) + " |")
    lines += ["", "Renderers:", ""] + [f"- {n}: {w}" for n, w in info]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("root", type=Path, help="a Jekyll site (its _posts/ is read)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N posts")
    ap.add_argument("--only", default="", help="comma-separated renderer names (python-markdown always runs)")
    ap.add_argument("--profile", type=int, default=0, help="also cProfile read+prepare on N posts")
    args = ap.parse_args()
    t0 = time.process_time()
    bodies = load_bodies(args.root, args.limit)
    print(f"pre-steps: {len(bodies)} posts in {time.process_time() - t0:.1f} s CPU", file=sys.stderr)
    results, info = run(bodies, set(filter(None, args.only.split(","))) or None)
    print(report(results, info, len(bodies)))
    if args.profile:
        total, convert, clean, rows = profile_prepare(args.root, args.profile)
        print(f"\ncProfile of read_post + safe_prepare on {args.profile} posts: {total:.2f} s CPU "
              f"(under the profiler); Markdown.convert {convert:.2f} s = {convert / total:.0%}, "
              f"sanitize.clean {clean:.2f} s = {clean / total:.0%}\n")
        print("| function | cumulative s | share |\n| --- | ---: | ---: |")
        for k, v in rows:
            print(f"| {k} | {v:.2f} | {v / total:.0%} |")


if __name__ == "__main__":
    main()
