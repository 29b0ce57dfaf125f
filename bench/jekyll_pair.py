"""``python bench/jekyll_pair.py``: tsuzuri and Jekyll on the same generated posts, for a paired timing.

    python bench/jekyll_pair.py setup OUT --n 1000   # OUT/tsuzuri and OUT/jekyll, same 1,000 posts
    python bench/jekyll_pair.py cold-tsuzuri OUT     # rm .cache/ site/, then mkdocs build (search included)
    python bench/jekyll_pair.py cold-jekyll OUT      # rm _site/ .jekyll-cache/, then jekyll build

``setup`` writes OUT/tsuzuri exactly as ``build_bench.py`` does (a copy of this project with the
``benchgen`` posts in posts/) and OUT/jekyll, a Jekyll site holding the same files, byte for byte,
in ``_posts/`` (benchgen's names are already Jekyll's ``YYYY-MM-DD-slug.md``; both generators give
every post the same URL). The two ``cold-*`` commands each replace themselves with one build process
(``exec``) after removing its outputs and caches, so a timer outside sees the whole build and its exit
status: time them in turn, A B A B, with any paired timer or ``/usr/bin/time -v``. ``verify OUT``
prints what each build wrote (post pages, feed, sitemap, search) and checks the URLs agree.

The Jekyll side follows the real blog's ``_config.yml`` (github.com/nullponull/ai-blog-system:
Jekyll 4.3 built by ``bundle exec jekyll build`` in CI, no JEKYLL_ENV) as far as Debian bookworm's
packages allow. Needs (Debian 12): ``apt-get install jekyll jekyll-theme-minima ruby-kramdown-parser-gfm
ruby-jekyll-feed ruby-jekyll-seo-tag ruby-jekyll-sitemap ruby-jekyll-paginate ruby-jekyll-redirect-from``
(Jekyll 4.3.1, kramdown 2.4.0 + GFM parser 1.1.0, rouge 3.30, liquid 5.4, sassc, Ruby 3.1).

Same as the real blog: kramdown with ``input: GFM`` and its rouge options, ``permalink:
/:year/:month/:day/:title/`` (posts collection too), ``timezone: Asia/Tokyo``, ``future: true``,
``paginate: 10`` at ``/page:num/``, the post and page defaults (layout, author, sitemap values),
the five plugins jekyll-feed, jekyll-sitemap, jekyll-seo-tag, jekyll-paginate, jekyll-redirect-from,
its ``sitemap:`` and ``exclude:`` settings, and a /search/ page that embeds every post's title, URL,
excerpt, full text (``strip_html``), date, categories, tags and author as the real blog's does.

Differs from the real blog:
- theme: Debian's minima 2.5.1 (its default, post and page layouts, SCSS compiled by sassc, the
  ``{% seo %}`` and feed tags in its head) instead of the blog's own layouts and includes (ads,
  breadcrumbs, CTAs, per-post loops over ``site.posts`` for related articles and industries), its
  ``_sass/`` and ``assets/``; no ``_plugins/table_wrapper.rb``; no ``compress_html`` layout;
- the home page is a paginated list of 10 posts (``paginator``), not the blog's featured/pillar
  sections; /archive/, /categories/ and /tags/ are plain ``group_by_exp``/``site.categories``/``site.tags``
  lists, not the blog's ``where_exp`` loops per tag and its seven fixed category pages; one /about/ page,
  none of the blog's 653 other pages (``_pages/``, pSEO), ``_data/``, feeds/ or images;
- versions: Debian's gems, not the blog's ``Gemfile.lock`` (sass-embedded there, sassc here).
So this Jekyll renders less per page than the real blog's: a yardstick that errs in Jekyll's favour.
tsuzuri builds more pages than it (one page per tag, category and entity, feeds per tag, llms.txt)
and cleans the ``---END---`` fragments that Jekyll publishes as they are.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
JEKYLL_POST = re.compile(r"^(\d{2,4}-\d{1,2}-\d{1,2})-(.*)(\.[^.]+)$")  # Jekyll::Document::DATE_FILENAME_MATCHER

CONFIG = """\
# Jekyll side of bench/jekyll_pair.py: the real blog's _config.yml, on Debian's minima theme.
title: "ALLFORCES 投資・テクノロジー分析"
description: "投資とテクノロジーの最新動向を分析するブログ"
author: "ALLFORCES編集部"
url: "https://blog.example.jp"
baseurl: ""
theme: minima
minima:
  date_format: "%Y年%m月%d日"
header_pages: [archive.html, categories.html, tags.html, search.html, about.md]

markdown: kramdown
highlighter: rouge
permalink: /:year/:month/:day/:title/
timezone: Asia/Tokyo
encoding: utf-8
future: true

kramdown:
  input: GFM
  syntax_highlighter: rouge
  syntax_highlighter_opts:
    css_class: 'highlight'
    span:
      line_numbers: false
    block:
      line_numbers: true

paginate: 10
paginate_path: "/page:num/"

collections:
  posts:
    output: true
    permalink: /:year/:month/:day/:title/

defaults:
  - scope:
      path: ""
      type: "posts"
    values:
      layout: "post"
      author: "ALLFORCES編集部"
      comments: false
      share: true
      sitemap:
        priority: 0.8
        changefreq: weekly
  - scope:
      path: ""
      type: "pages"
    values:
      layout: "page"
      sitemap:
        priority: 0.6
        changefreq: weekly

plugins:
  - jekyll-feed
  - jekyll-sitemap
  - jekyll-seo-tag
  - jekyll-paginate
  - jekyll-redirect-from

sitemap:
  priority: 0.7
  changefreq: daily

exclude:
  - Gemfile
  - Gemfile.lock
  - node_modules
  - vendor/
  - .sass-cache/
  - .jekyll-cache/
  - README.md
"""

PAGES = {
    # paginated home: 10 posts a page, /page2/ ... (jekyll-paginate only paginates an index.html)
    "index.html": """\
---
layout: default
title: ホーム
---
<div class="home">
  <ul class="post-list">
    {%- for post in paginator.posts %}
    <li>
      <span class="post-meta">{{ post.date | date: site.minima.date_format }} · {{ post.categories | join: ", " }}</span>
      <h3><a class="post-link" href="{{ post.url | relative_url }}">{{ post.title | escape }}</a></h3>
      <p>{{ post.excerpt | strip_html | truncate: 120 }}</p>
    </li>
    {%- endfor %}
  </ul>
  <nav class="pagination">
    {%- if paginator.previous_page %}<a href="{{ paginator.previous_page_path | relative_url }}">前へ</a>{% endif %}
    <span>{{ paginator.page }} / {{ paginator.total_pages }}</span>
    {%- if paginator.next_page %}<a href="{{ paginator.next_page_path | relative_url }}">次へ</a>{% endif %}
  </nav>
  <p class="rss-subscribe"><a href="{{ "/feed.xml" | relative_url }}">RSS</a></p>
</div>
""",
    "archive.html": """\
---
title: アーカイブ
permalink: /archive/
---
{%- assign by_month = site.posts | group_by_exp: "post", "post.date | date: '%Y年%m月'" %}
{%- for month in by_month %}
<h2>{{ month.name }} ({{ month.size }})</h2>
<ul>
  {%- for post in month.items %}
  <li><a href="{{ post.url | relative_url }}">{{ post.title | escape }}</a> {{ post.date | date: "%d日" }}</li>
  {%- endfor %}
</ul>
{%- endfor %}
""",
    "categories.html": """\
---
title: カテゴリー
permalink: /categories/
---
{%- for category in site.categories %}
<h2 id="{{ category[0] | slugify }}">{{ category[0] }} ({{ category[1].size }})</h2>
<ul>
  {%- for post in category[1] %}
  <li><a href="{{ post.url | relative_url }}">{{ post.title | escape }}</a></li>
  {%- endfor %}
</ul>
{%- endfor %}
""",
    "tags.html": """\
---
title: タグ
permalink: /tags/
---
{%- assign tags = site.tags | sort %}
{%- for tag in tags %}
<h2 id="{{ tag[0] | slugify }}">{{ tag[0] }} ({{ tag[1].size }})</h2>
<ul>
  {%- for post in tag[1] %}
  <li><a href="{{ post.url | relative_url }}">{{ post.title | escape }}</a></li>
  {%- endfor %}
</ul>
{%- endfor %}
""",
    # every post's text in the page, as the real blog's /search/ does; filtered in the browser
    "search.html": """\
---
title: 検索
permalink: /search/
---
<input id="q" type="search" placeholder="検索">
<ul id="results"></ul>
<script>
const posts = [
{%- for post in site.posts %}
  {title: {{ post.title | jsonify }}, url: {{ post.url | relative_url | jsonify }},
   excerpt: {{ post.excerpt | strip_html | jsonify }}, content: {{ post.content | strip_html | jsonify }},
   date: {{ post.date | date: "%Y年%m月%d日" | jsonify }}, categories: {{ post.categories | jsonify }},
   tags: {{ post.tags | jsonify }}, author: {{ post.author | default: site.author | jsonify }}}
  {%- unless forloop.last %},{% endunless %}
{%- endfor %}
];
function show(query) {
  const words = query.toLowerCase().split(/\\s+/).filter(Boolean);
  const hits = words.length ? posts.filter(p => words.every(w =>
    (p.title + " " + p.content + " " + p.tags.join(" ")).toLowerCase().includes(w))) : [];
  document.getElementById("results").innerHTML = hits.slice(0, 50).map(p =>
    `<li><a href="${p.url}">${p.title}</a> ${p.date}</li>`).join("");
}
const q = document.getElementById("q");
q.value = new URLSearchParams(location.search).get("q") || "";
q.addEventListener("input", () => show(q.value));
show(q.value);
</script>
""",
    "about.md": """\
---
title: このブログについて
permalink: /about/
---
投資とテクノロジーの最新動向を分析するブログです（ベンチマーク用の Jekyll サイト）。
""",
}


def jekyll_name(name: str) -> str:
    """The ``_posts/`` name of a post file: benchgen's names are already ``YYYY-MM-DD-slug.md``."""
    if not JEKYLL_POST.match(name):
        raise ValueError(f"not a Jekyll post name: {name}")
    return name


def setup(out: Path, n: int, seed: int = 7) -> tuple[Path, Path]:
    """Write OUT/tsuzuri (build_bench's project copy with ``n`` posts) and OUT/jekyll (same posts)."""
    import build_bench  # (bench/ is on sys.path: this script's folder)

    tsuzuri_dir, jekyll_dir = out / "tsuzuri", out / "jekyll"
    for folder in (tsuzuri_dir, jekyll_dir):
        if folder.exists():
            raise SystemExit(f"jekyll_pair: {folder} exists; give a new OUT")
    project = build_bench.Project(tsuzuri_dir, n, seed)
    posts = jekyll_dir / "_posts"
    posts.mkdir(parents=True)
    (jekyll_dir / "_config.yml").write_text(CONFIG, encoding="utf-8")
    for name, text in PAGES.items():
        (jekyll_dir / name).write_text(text, encoding="utf-8")
    for src in sorted((tsuzuri_dir / "posts").glob("*.md")):
        shutil.copy2(src, posts / jekyll_name(src.name))
    print(f"jekyll_pair: {n} posts ({project.bytes / 1e6:.1f} MB) in {tsuzuri_dir}/posts and {posts}",
          file=sys.stderr)
    return tsuzuri_dir, jekyll_dir


def _exec(folder: Path, argv: list[str], env: dict | None = None):
    """Become ``argv`` in ``folder``: the timer outside waits for the build itself."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(folder)
    os.execvpe(argv[0], argv, env if env is not None else os.environ)


def cold_tsuzuri(out: Path):
    folder = out / "tsuzuri"
    if not (folder / "mkdocs.yml").is_file():
        raise SystemExit(f"jekyll_pair: no project in {folder}; run setup first")
    shutil.rmtree(folder / ".cache", ignore_errors=True)
    shutil.rmtree(folder / "site", ignore_errors=True)
    # build_bench's environment and flags: this project's engine, a strict, quiet build
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(folder.resolve()))
    _exec(folder, [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], env)


def cold_jekyll(out: Path):
    folder = out / "jekyll"
    if not (folder / "_config.yml").is_file():
        raise SystemExit(f"jekyll_pair: no Jekyll site in {folder}; run setup first")
    shutil.rmtree(folder / "_site", ignore_errors=True)
    shutil.rmtree(folder / ".jekyll-cache", ignore_errors=True)
    _exec(folder, ["jekyll", "build", "-q"])


# -- what the builds wrote ----------------------------------------------------------------------

POST_PAGE = re.compile(r"^\d{4}/\d\d/\d\d/[^/]+/index\.html$")


def post_urls(site_dir: Path) -> set[str]:
    """``YYYY/MM/DD/slug/`` of every post page under ``site_dir``."""
    urls = set()
    for page in site_dir.glob("[0-9][0-9][0-9][0-9]/*/*/*/index.html"):
        rel = page.relative_to(site_dir).as_posix()
        if POST_PAGE.match(rel):
            urls.add(rel[: -len("index.html")])
    return urls


def verify(out: Path) -> int:
    sides = {"tsuzuri": out / "tsuzuri" / "site", "jekyll": out / "jekyll" / "_site"}
    urls = {}
    for side, site_dir in sides.items():
        if not site_dir.is_dir():
            print(f"{side}: no {site_dir}")
            return 1
        urls[side] = post_urls(site_dir)
        pages = sum(1 for _ in site_dir.rglob("*.html"))
        files = sum(1 for p in site_dir.rglob("*") if p.is_file())
        size = sum(p.stat().st_size for p in site_dir.rglob("*") if p.is_file())
        extras = [name for name in ("feed.xml", "sitemap.xml", "search/index.html") if (site_dir / name).is_file()]
        print(f"{side}: {len(urls[side])} post pages, {pages} HTML pages, {files} files, {size / 1e6:.1f} MB; "
              f"has {', '.join(extras) or 'none of feed.xml, sitemap.xml, search/'}")
    posts = len(list((out / "jekyll" / "_posts").glob("*.md")))
    same = urls["tsuzuri"] == urls["jekyll"]
    print(f"{posts} source posts; post URLs {'agree' if same else 'DIFFER'}"
          + ("" if same else f" (only tsuzuri: {sorted(urls['tsuzuri'] - urls['jekyll'])[:3]}, "
                             f"only jekyll: {sorted(urls['jekyll'] - urls['tsuzuri'])[:3]})"))
    return 0 if same and len(urls["jekyll"]) == posts else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tsuzuri vs Jekyll on the same generated posts (cold builds)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("setup", help="write OUT/tsuzuri and OUT/jekyll with the same N posts")
    p.add_argument("out", type=Path)
    p.add_argument("--n", type=int, default=1000, help="posts (default 1000)")
    p.add_argument("--seed", type=int, default=7, help="benchgen seed (default 7)")
    for name, what in (("cold-tsuzuri", "rm .cache/ site/, then mkdocs build --strict"),
                       ("cold-jekyll", "rm _site/ .jekyll-cache/, then jekyll build"),
                       ("verify", "count what the two builds wrote; check the post URLs agree")):
        sub.add_parser(name, help=what).add_argument("out", type=Path)
    args = parser.parse_args(argv)
    if args.command == "setup":
        setup(args.out, args.n, args.seed)
        return 0
    if args.command == "verify":
        return verify(args.out)
    (cold_tsuzuri if args.command == "cold-tsuzuri" else cold_jekyll)(args.out)
    return 1  # not reached: exec


if __name__ == "__main__":
    sys.exit(main())
