"""The Liquid that Jekyll posts use, turned into plain Markdown before cleaning.

Supported: ``{% highlight lang %}`` (fenced code), ``{% raw %}`` (unwrapped, its content
untouched), ``{% post_url name %}`` and ``{% link path %}`` (the target post's URL),
``{{ site.baseurl }}`` and ``{{ site.url }}``. Anything else is left as written with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

_TAG_RE = re.compile(r"\{%-?\s*(?P<tag>\w+)(?P<args>.*?)-?%\}|\{\{-?\s*(?P<expr>.*?)\s*-?\}\}", re.DOTALL)
_ENDRAW_RE = re.compile(r"\{%-?\s*endraw\s*-?%\}")
_ENDHL_RE = re.compile(r"\{%-?\s*endhighlight\s*-?%\}")
_SITE_VAR_RE = re.compile(r"^site\.([A-Za-z_]\w*)$")
_URL_FILTER_RE = re.compile(r"""^(["'])(?P<path>[^"']*)\1\s*\|\s*(?P<filter>relative_url|absolute_url)$""")


@dataclass
class LiquidIssue:
    offset: int          # position in the input body
    severity: str        # "warning" or "error"
    message: str
    hint: str


def render(body: str, *, baseurl: str, site_url: str,
           resolve: Callable[[str, str], str | None],
           site_vars: dict | None = None) -> tuple[str, list[LiquidIssue]]:
    """Return (body with supported Liquid replaced, issues).

    ``resolve(kind, arg)``: kind is "post_url" or "link"; returns the target URL or None.
    ``site_vars``: other ``{{ site.x }}`` values (scalars from mkdocs.yml's extra).
    """
    code = _code_ranges(body)

    def as_written(m: re.Match) -> str:
        # Outside code, "{" becomes an entity so Markdown's attr_list can't eat "{% tag %}" at
        # the end of a paragraph; inside code an entity would show, and nothing eats it.
        return m.group() if _inside(code, m.start()) else "&#123;" + m.group()[1:]

    variables = {k: str(v) for k, v in (site_vars or {}).items() if isinstance(v, (str, int, float))}
    variables.update(baseurl=baseurl, url=site_url.rstrip("/"))
    if "{%" not in body and "{{" not in body:
        return body, []
    out: list[str] = []
    issues: list[LiquidIssue] = []
    pos = 0
    plain: list[tuple[int, int]] = []  # text between tags, where an opener is one never closed
    while True:
        m = _TAG_RE.search(body, pos)
        if not m:
            out.append(body[pos:])
            plain.append((pos, len(body)))
            break
        out.append(body[pos:m.start()])
        plain.append((pos, m.start()))
        pos = m.end()
        tag, args, expr = m.group("tag"), (m.group("args") or "").strip(), m.group("expr")
        if expr is not None:
            var, url_filter = _SITE_VAR_RE.match(expr.strip()), _URL_FILTER_RE.match(expr.strip())
            if var and var.group(1) in variables:
                out.append(variables[var.group(1)])
            elif url_filter:
                prefix = baseurl if url_filter["filter"] == "relative_url" else site_url.rstrip("/")
                out.append(prefix + "/" + url_filter["path"].lstrip("/"))
            else:
                out.append(as_written(m))
                issues.append(LiquidIssue(m.start(), "warning", f"unsupported Liquid output {m.group()!r} is shown as written",
                                          "replace it with plain text, or wrap it in {% raw %}…{% endraw %}"))
            continue
        if tag == "raw":
            end = _ENDRAW_RE.search(body, pos)
            if not end:
                issues.append(LiquidIssue(m.start(), "warning", "{% raw %} is never closed; the rest of the post is kept as written",
                                          "add {% endraw %}"))
                out.append(body[pos:])
                break
            out.append(body[pos:end.start()])
            pos = end.end()
        elif tag == "highlight":
            lang = args.split()[0] if args else ""
            end = _ENDHL_RE.search(body, pos)
            code_end = end.start() if end else len(body)
            if not end:
                issues.append(LiquidIssue(m.start(), "warning", "{% highlight %} is never closed; the code block runs to the end",
                                          "add {% endhighlight %}"))
            code = body[pos:code_end].strip("\n")
            out.append(f"```{lang}\n{code}\n```")
            pos = end.end() if end else len(body)
        elif tag in ("post_url", "link"):
            target = resolve(tag, args)
            if target is None:
                out.append(as_written(m))
                what = "post" if tag == "post_url" else "file"
                issues.append(LiquidIssue(m.start(), "error", f"{{% {tag} {args} %}} names a {what} that does not exist",
                                          "fix the name (posts/YYYY-MM-DD-slug without extension for post_url)"))
            else:
                out.append(target)
        else:
            out.append(as_written(m))
            issues.append(LiquidIssue(m.start(), "warning", f"unsupported Liquid tag {{% {tag} %}} is shown as written",
                                      "replace it with Markdown, or wrap it in {% raw %}…{% endraw %}"))
    for a, b in plain:
        for o in _OPEN_RE.finditer(body, a, b):
            if not _inside(code, o.start()):
                close = "%}" if o.group() == "{%" else "}}"
                issues.append(LiquidIssue(o.start(), "warning", f"Liquid '{o.group()}' is never closed with '{close}'; "
                                          "it is shown as written", f"add the closing '{close}', or remove the '{o.group()}'"))
    return "".join(out), sorted(issues, key=lambda i: i.offset)


_OPEN_RE = re.compile(r"\{[{%]")
_FENCE_RE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})", re.MULTILINE)


def _code_ranges(body: str) -> list[tuple[int, int]]:
    """(start, end) of fenced code blocks and inline code spans."""
    ranges, pos = [], 0
    while (m := _FENCE_RE.search(body, pos)):
        close = re.compile(rf"^[ \t]{{0,3}}{re.escape(m.group(1)[0])}{{{len(m.group(1))},}}[ \t]*$", re.MULTILINE)
        end = close.search(body, m.end())
        stop = end.end() if end else len(body)
        ranges.append((m.start(), stop))
        pos = stop
    for m in re.finditer(r"(`+)(?!`).+?(?<!`)\1(?!`)", body):
        ranges.append((m.start(), m.end()))
    return ranges


def _inside(ranges: list[tuple[int, int]], offset: int) -> bool:
    return any(a <= offset < b for a, b in ranges)
