"""The Liquid in Jekyll posts, rendered by a real Liquid engine (python-liquid) before cleaning.

Jekyll renders a post's Liquid before its Markdown; so does tsuzuri, with Jekyll's own tags and
filters registered on one shared Environment:

- ``{% include file.html key=value %}`` (Jekyll's syntax; ``include.key`` inside the file),
  looked up through the ``resolve("include", name)`` callback, so the build cache records
  which includes a post used; parsed includes are cached by their text;
- ``{% highlight lang %}`` (a fenced code block), ``{% raw %}`` (its content untouched),
  ``{% post_url name %}`` and ``{% link path %}`` (the target post's URL, via ``resolve``);
- ``site.*`` and ``page.*`` variables, standard Liquid filters plus Jekyll's
  (``relative_url``, ``absolute_url``, ``date_to_string``, ``xml_escape``, ``jsonify``,
  ``slugify``, ``markdownify`` …).

Differences from Jekyll, on purpose:

- Liquid inside fenced code and inline code stays as written (only ``{% raw %}`` wrappers
  are removed there): an article that shows Liquid in a code sample shows it as written.
  The content of ``{% highlight %}`` is not rendered either.
- Liquid is never printed as text and never stops the build. A missing include, an undefined
  variable in ``{{ }}`` or a filter error renders nothing and is a warning. A syntax error
  (an unknown tag, a bad expression, a block never closed, a stray ``{% endif %}``) is a
  warning and only the offending tag is removed — the rest of the post is rendered, so an
  unclosed ``{% if %}`` cannot swallow the article (Jekyll would fail the whole build).
"""

from __future__ import annotations

import bisect
import datetime as dt
import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from io import StringIO
from typing import Callable
from urllib.parse import quote, quote_plus

import liquid as _liquid
from liquid import Environment, Mode, Undefined
from liquid.ast import Node
from liquid.builtin.expressions import parse_primitive, tokenize
from liquid.exceptions import LiquidError
from liquid.stream import TokenStream
from liquid.tag import Tag
from liquid.token import TOKEN_EXPRESSION, TOKEN_TAG

from .kramdown import CODE_SPAN_RE

VERSION = _liquid.__version__


@dataclass
class LiquidIssue:
    offset: int          # position in the input body
    severity: str        # "warning" or "error"
    message: str
    hint: str


RAW_HINT = "fix or remove the tag; to show Liquid as text, wrap it in {% raw %}…{% endraw %}"


def render(body: str, *, baseurl: str, site_url: str,
           resolve: Callable[[str, str], str | None],
           site_vars: dict | None = None,
           page_vars: dict | None = None) -> tuple[str, list[LiquidIssue]]:
    """Return (body with its Liquid rendered, issues).

    ``resolve(kind, arg)``: kind is "post_url" or "link" (returns the target URL) or
    "include" (returns the include file's text); None when there is no such target.
    ``site_vars``: other ``site.x`` values (from mkdocs.yml); ``page_vars``: ``page.x``.
    """
    if "{%" not in body and "{{" not in body:
        return body, []
    issues: list[LiquidIssue] = []
    src, placeholders, to_body = _protect(body, issues)
    if "{%" in src or "{{" in src:
        site = {k: v for k, v in (site_vars or {}).items() if _plain(v)}
        site.update(baseurl=baseurl, url=site_url.rstrip("/"))
        state = _State(src, to_body, resolve, baseurl, site_url, issues)
        src = state.render({"site": site, "page": dict(page_vars or {})})
    out = _PLACEHOLDER_RE.sub(lambda m: placeholders[int(m.group(1))], src) if placeholders else src
    return out, sorted(issues, key=lambda i: i.offset)


# ---------------------------------------------------------------- offsets after edits

def _splice(text: str, edits: list[tuple[int, int, str]]) -> tuple[str, Callable[[int], int]]:
    """Apply non-overlapping (start, end, replacement) edits; return the new text and a map
    from offsets in it back to offsets in ``text`` (inside a replacement: its start)."""
    out, news, olds, copied = [], [], [], []
    pos = npos = 0
    for start, end, repl in sorted(edits):
        if start > pos:
            news.append(npos), olds.append(pos), copied.append(True)
            out.append(text[pos:start])
            npos += start - pos
        news.append(npos), olds.append(start), copied.append(False)
        out.append(repl)
        npos += len(repl)
        pos = end
    news.append(npos), olds.append(pos), copied.append(True)
    out.append(text[pos:])

    def back(offset: int) -> int:
        i = max(bisect.bisect_right(news, offset) - 1, 0)
        return olds[i] + (offset - news[i] if copied[i] else 0)
    return "".join(out), back


# ---------------------------------------------------------------- code, raw and highlight

_PLACEHOLDER_RE = re.compile("\x00T(\\d+)\x00")
_FENCE_RE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})", re.MULTILINE)
_RAW_RE = re.compile(r"\{%-?\s*raw\s*-?%\}")
_ENDRAW_RE = re.compile(r"\{%-?\s*endraw\s*-?%\}")
_HIGHLIGHT_RE = re.compile(r"\{%-?\s*highlight\b(?P<args>.*?)-?%\}", re.DOTALL)
_ENDHL_RE = re.compile(r"\{%-?\s*endhighlight\s*-?%\}")
_RAW_TAGS_RE = re.compile(r"\{%-?\s*(?:end)?raw\s*-?%\}")


def _protect(body: str, issues: list[LiquidIssue]) -> tuple[str, list[str], Callable[[int], int]]:
    """Replace what Liquid must not touch with placeholders: code (as written, minus raw
    wrappers), {% raw %} content, {% highlight %} blocks (as fenced code)."""
    edits: list[tuple[int, int, str]] = []
    kept: list[str] = []

    def hold(start: int, end: int, text: str) -> None:
        edits.append((start, end, f"\x00T{len(kept)}\x00"))
        kept.append(text)

    def spans(a: int, b: int) -> None:  # inline code in plain text
        for m in CODE_SPAN_RE.finditer(body, a, b):
            if "{" in m.group():
                hold(m.start(), m.end(), _RAW_TAGS_RE.sub("", m.group()))

    pos = 0
    while True:
        found = [m for m in (_FENCE_RE.search(body, pos), _RAW_RE.search(body, pos),
                             _HIGHLIGHT_RE.search(body, pos)) if m]
        if not found:
            spans(pos, len(body))
            break
        m = min(found, key=lambda m: m.start())
        spans(pos, m.start())
        if m.re is _FENCE_RE:
            close = re.compile(rf"^[ \t]{{0,3}}{re.escape(m.group(1)[0])}{{{len(m.group(1))},}}[ \t]*$", re.MULTILINE)
            end = close.search(body, m.end())
            if not end:  # an unclosed fence is text to Python-Markdown: so is its Liquid
                spans(m.start(), m.end())
                pos = m.end()
                continue
            stop = end.end()
            hold(m.start(), stop, _RAW_TAGS_RE.sub("", body[m.start():stop]))
        elif m.re is _RAW_RE:
            end = _ENDRAW_RE.search(body, m.end())
            if not end:
                issues.append(LiquidIssue(m.start(), "warning", "{% raw %} is never closed; the rest of the post is kept as written",
                                          "add {% endraw %}"))
            stop = end.end() if end else len(body)
            hold(m.start(), stop, body[m.end():end.start() if end else len(body)])
        else:
            args = m.group("args").split()
            end = _ENDHL_RE.search(body, m.end())
            if not end:
                issues.append(LiquidIssue(m.start(), "warning", "{% highlight %} is never closed; the code block runs to the end",
                                          "add {% endhighlight %}"))
            stop = end.end() if end else len(body)
            code = body[m.end():end.start() if end else len(body)].strip("\n")
            hold(m.start(), stop, f"```{args[0] if args else ''}\n{code}\n```")
        pos = stop
    src, back = _splice(body, edits)
    return src, kept, back


# ---------------------------------------------------------------- the engine

class _Undefined(Undefined):
    """Renders as nothing, like Jekyll; printing one is reported (a typo, a missing key)."""

    __slots__ = ()

    def __str__(self) -> str:
        state = _ENV.state
        if state is not None:
            state.undefined(self)
        return ""


class _Env(Environment):
    loop_iteration_limit = 100_000          # a post cannot make the build loop for ever
    output_stream_limit = 20_000_000
    state: "_State | None" = None

    def error(self, exc, msg=None, token=None) -> None:
        """Parse errors raise (the repair pass handles them); render errors are reported
        and the node renders nothing, the rest of the post goes on."""
        if not isinstance(exc, LiquidError):
            exc = exc(msg, token=token)
        state = self.state
        if state is None or state.parsing:
            if not exc.token:
                exc.token = token
            raise exc
        state.runtime(exc, token)


def _args(stream: TokenStream) -> str:
    """The raw text of a tag's arguments (Jekyll's tags parse their own)."""
    stream.eat(TOKEN_TAG)  # the parser steps past the expression token itself
    return stream.current.value.strip() if stream.current.kind == TOKEN_EXPRESSION else ""


class _ResolveNode(Node):
    __slots__ = ("kind", "arg")

    def __init__(self, token, kind: str, arg: str) -> None:
        super().__init__(token)
        self.kind, self.arg = kind, arg
        self.blank = False

    def __str__(self) -> str:
        return f"{{% {self.kind} {self.arg} %}}"

    def render_to_output(self, context, buffer) -> int:
        state = context.env.state
        target = state.resolve(self.kind, self.arg)
        if target is None:
            what = "post" if self.kind == "post_url" else "file"
            state.issue(self.token, "error", f"{{% {self.kind} {self.arg} %}} names a {what} that does not exist",
                        "fix the name (posts/YYYY-MM-DD-slug without extension for post_url)")
            return 0
        return buffer.write(target)


class _PostUrlTag(Tag):
    name, block = "post_url", False

    def parse(self, stream):
        token = stream.current
        return _ResolveNode(token, self.name, _args(stream))


class _LinkTag(_PostUrlTag):
    name = "link"


# Jekyll's include: {% include name.html key="v" key2=page.x %}; the name may hold {{ }}.
_INCLUDE_PARAM_RE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|'([^'\\]*(?:\\.[^'\\]*)*)'|([\w.\[\]"'-]+))""")
_INCLUDE_NAME_RE = re.compile(r"^(\{\{.*?\}\}|[^\s{]+(?:\{\{.*?\}\}[^\s{]*)*)\s*(.*)$", re.DOTALL)


class _IncludeNode(Node):
    __slots__ = ("template_name", "params", "source")

    def __init__(self, token, name: str, params: list, source: str) -> None:
        super().__init__(token)
        self.template_name, self.params, self.source = name, params, source
        self.blank = False

    def __str__(self) -> str:
        return f"{{% include {self.source} %}}"

    def render_to_output(self, context, buffer) -> int:
        state = context.env.state
        name = self.template_name
        if "{{" in name:
            name = _ENV.from_string(name).render_with_context(context, out := StringIO(), partial=True) or out.getvalue()
        name = name.strip()
        if len(state.including) >= INCLUDE_DEPTH:
            state.issue(self.token, "warning", f"{{% include {name} %}}: includes nest more than {INCLUDE_DEPTH} deep; "
                        "it renders nothing", "check that the include does not include itself")
            return 0
        text = state.resolve("include", name)
        if text is None:
            state.issue(self.token, "warning", f"{{% include {name} %}}: no such file in the includes folder; it renders nothing",
                        "add the file to includes/ (extra.tsuzuri.includes_dir; _includes/ when there is no includes/), "
                        "or remove the tag")
            return 0
        template = state.include_template(name, text, self.token)
        if template is None:
            return 0
        params = {key: value.evaluate(context) if hasattr(value, "evaluate") else value for key, value in self.params}
        state.including.append((name, self.token))
        try:
            with context.extend({"include": params}, template=template):
                template.render_with_context(context, buffer, partial=True)
        finally:
            state.including.pop()
        return 1


class _IncludeTag(Tag):
    name, block = "include", False

    def parse(self, stream):
        token = stream.current
        source = _args(stream)
        m = _INCLUDE_NAME_RE.match(source)
        if not m:
            raise _liquid.exceptions.LiquidSyntaxError("{% include %} needs a file name", token=token)
        params, rest = [], m.group(2)
        for p in _INCLUDE_PARAM_RE.finditer(rest):
            if p.group(4) is not None:
                value = parse_primitive(self.env, TokenStream(tokenize(p.group(4), parent_token=token)))
            else:
                value = (p.group(2) if p.group(2) is not None else p.group(3)).replace('\\"', '"').replace("\\'", "'")
            params.append((p.group(1), value))
        leftover = _INCLUDE_PARAM_RE.sub("", rest).strip()
        if leftover:
            raise _liquid.exceptions.LiquidSyntaxError(
                f"{{% include %}} parameters must be key=value, not {leftover!r}", token=token)
        return _IncludeNode(token, m.group(1), params, source)


# -- Jekyll's filters ------------------------------------------------------------------

def _relative_url(value) -> str:
    value = "" if value is None else str(value)
    if re.match(r"^[a-z][a-z0-9+.-]*:", value, re.IGNORECASE) or value.startswith("//"):
        return value
    return _ENV.state.baseurl + "/" + value.lstrip("/")


def _absolute_url(value) -> str:
    value = "" if value is None else str(value)
    if re.match(r"^[a-z][a-z0-9+.-]*:", value, re.IGNORECASE) or value.startswith("//"):
        return value
    return _ENV.state.site_url.rstrip("/") + "/" + value.lstrip("/")


def _as_date(value):
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    try:
        return dt.datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _date_format(fmt: str):
    def fn(value, *_args) -> str:
        d = _as_date(value)
        return str(value) if d is None else d.strftime(fmt).lstrip("0") if fmt.startswith("%d") else d.strftime(fmt)
    return fn


def _date_to_xmlschema(value) -> str:
    d = _as_date(value)
    return str(value) if d is None else d.isoformat()


def _slugify(value, mode: str = "default") -> str:
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    if mode == "raw":
        pattern = r"\s+"
    elif mode in ("pretty",):
        pattern = r"[^\w._~!$&'()+,;=@]+"
    elif mode in ("ascii", "latin"):
        pattern = r"[^a-zA-Z0-9]+"
    else:
        pattern = r"[^\w]+|_+"
    return re.sub(pattern, "-", text).strip("-").lower()


_MD: list = []


def _markdownify(value) -> str:
    if not _MD:  # built on first use: most sites never call it
        import markdown
        _MD.append(markdown.Markdown(extensions=["tables", "fenced_code"]))
    md = _MD[0]
    md.reset()
    return md.convert("" if value is None else str(value))


def _jsonify(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _array_to_sentence_string(value, connector: str = "and") -> str:
    items = [str(v) for v in (value or [])]
    if len(items) < 3:
        return f" {connector} ".join(items)
    return ", ".join(items[:-1]) + f", {connector} " + items[-1]


JEKYLL_FILTERS = {
    "relative_url": _relative_url, "absolute_url": _absolute_url,
    "date_to_string": _date_format("%d %b %Y"), "date_to_long_string": _date_format("%d %B %Y"),
    "date_to_xmlschema": _date_to_xmlschema, "date_to_rfc822": _date_format("%a, %d %b %Y %H:%M:%S %z"),
    "xml_escape": lambda v: html.escape("" if v is None else str(v)),
    "cgi_escape": lambda v: quote_plus("" if v is None else str(v)),
    "uri_escape": lambda v: quote("" if v is None else str(v), safe="!#$&'()*+,/:;=?@[]~"),
    "jsonify": _jsonify, "slugify": _slugify, "markdownify": _markdownify,
    "number_of_words": lambda v: len(str(v or "").split()),
    "array_to_sentence_string": _array_to_sentence_string,
    "smartify": lambda v: v,
}


def _make_env() -> _Env:
    env = _Env(tolerance=Mode.STRICT, undefined=_Undefined, strict_filters=True)
    for tag in (_IncludeTag, _PostUrlTag, _LinkTag):
        env.add_tag(tag)
    for name, fn in JEKYLL_FILTERS.items():
        env.add_filter(name, fn)
    return env


_ENV = _make_env()
_INCLUDES: dict[str, object] = {}   # include text -> parsed template (or the parse error)
INCLUDE_DEPTH = 10


def _plain(value) -> bool:
    """Plain data only (what YAML gives): the engine never sees config objects."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


# ---------------------------------------------------------------- one render

_UNIT_RE = re.compile(r"\{%-?(?P<tag>(?:(?!\n[ \t]*\n).)*?)-?%\}|\{\{-?(?P<out>(?:(?!\n[ \t]*\n).)*?)-?\}\}", re.DOTALL)
_OPEN_RE = re.compile(r"\{[{%]")
_INTERMEDIATE = {"else": ("if", "unless", "for", "case"), "elsif": ("if", "unless"), "when": ("case",)}


@dataclass
class _State:
    src: str                                   # the template (placeholders for code)
    to_body: Callable[[int], int]              # offset in src -> offset in the post body
    resolver: Callable[[str, str], str | None]
    baseurl: str
    site_url: str
    issues: list[LiquidIssue]
    parsing: bool = True
    including: list = field(default_factory=list)   # (include name, tag token) being rendered
    reported: set = field(default_factory=set)

    # -- where

    def _offset(self, token) -> int:
        """Body offset of a token: in the post, where it is; in an include, the include tag."""
        if self.including:
            token = self.including[0][1]
        index = getattr(token, "start_index", -1) if token is not None else -1
        return self.to_body(index if index >= 0 else 0)

    def _in_include(self, token) -> str:
        if not self.including:
            return ""
        name = self.including[-1][0]
        source = getattr(token, "source", "") or ""
        index = getattr(token, "start_index", -1)
        line = f", line {source.count(chr(10), 0, index) + 1}" if index >= 0 and source else ""
        return f" (in include {name}{line})"

    def issue(self, token, severity: str, message: str, hint: str) -> None:
        offset = self._offset(token)
        key = (offset, message)
        if key not in self.reported:  # a tag in a loop is reported once
            self.reported.add(key)
            self.issues.append(LiquidIssue(offset, severity, message + self._in_include(token), hint))

    def runtime(self, exc: LiquidError, token) -> None:
        where = exc.token if exc.token is not None and getattr(exc.token, "start_index", -1) >= 0 else token
        self.issue(where, "warning", f"Liquid error: {_first_line(exc)}; it renders nothing", RAW_HINT)

    def undefined(self, value: Undefined) -> None:
        self.issue(value.token, "warning", f"Liquid variable {_undefined_name(value)!r} is not defined; it renders as nothing",
                   "define it (front matter for page.*, extra.tsuzuri in mkdocs.yml for site.*), or remove it")

    # -- includes

    def resolve(self, kind: str, arg: str) -> str | None:
        return self.resolver(kind, arg)

    def include_template(self, name: str, text: str, token):
        template = _INCLUDES.get(text)
        if template is None:
            saved, self.parsing = self.parsing, True
            try:
                template = _ENV.from_string(text, name=name)
            except LiquidError as exc:
                template = exc
            finally:
                self.parsing = saved
            if len(_INCLUDES) > 256:
                _INCLUDES.clear()
            _INCLUDES[text] = template
        if isinstance(template, LiquidError):
            line = _line_of(template)
            self.issue(token, "warning", f"{{% include {name} %}}: Liquid syntax error in the include"
                       f"{f' at line {line}' if line else ''}: {_first_line(template)}; it renders nothing",
                       f"fix the include file {name}")
            return None
        return template

    # -- the post

    def render(self, globals_: dict) -> str:
        _ENV.state = self
        try:
            template = self._parse()
            self.parsing = False
            try:
                return template.render(**globals_)
            except LiquidError as exc:  # a limit (loop, output size); errors in a node don't raise
                self.runtime(exc, None)
                return ""
        finally:
            _ENV.state = None

    def _parse(self):
        try:
            return _ENV.from_string(self.src)
        except LiquidError:
            pass
        src, back = self._repair()
        to_body = self.to_body
        self.src, self.to_body = src, lambda o: to_body(back(o))
        try:
            return _ENV.from_string(src)
        except LiquidError as exc:  # should not happen: the repair removed every bad tag
            self.issues.append(LiquidIssue(self.to_body(0), "warning",
                                           f"Liquid could not be parsed ({_first_line(exc)}); its tags were removed", RAW_HINT))
            stripped, back2 = _splice(src, [(m.start(), m.end(), "") for m in _UNIT_RE.finditer(src)])
            stripped, back3 = _splice(stripped, [(m.start(), m.end(), "") for m in _OPEN_RE.finditer(stripped)])
            self.src, self.to_body = stripped, lambda o: to_body(back(back2(back3(o))))
            return _ENV.from_string(stripped)

    def _repair(self) -> tuple[str, Callable[[int], int]]:
        """Remove each tag the parser cannot take (reporting it), so the rest renders."""
        src, removals = self.src, []

        def bad(start: int, end: int, message: str) -> None:
            removals.append((start, end, ""))
            self.issues.append(LiquidIssue(self.to_body(start), "warning", message, RAW_HINT))

        units, covered = [], []
        for m in _UNIT_RE.finditer(src):
            units.append(m)
            covered.append((m.start(), m.end()))
        starts = [a for a, _ in covered]
        for o in _OPEN_RE.finditer(src):
            i = bisect.bisect_right(starts, o.start()) - 1
            if i < 0 or not covered[i][0] <= o.start() < covered[i][1]:
                close = "%}" if o.group() == "{%" else "}}"
                bad(o.start(), o.end(), f"Liquid '{o.group()}' is never closed with '{close}'; the '{o.group()}' is removed")
        stack: list[tuple[str, re.Match]] = []
        for m in units:
            text = m.group()
            if m.group("out") is not None:
                self._check(text, m, bad)
                continue
            words = m.group("tag").split(None, 1)
            name = words[0] if words else ""
            tag = _ENV.tags.get(name)
            if name.startswith("end") and name != "endhighlight":
                opener = name[3:]
                if any(n == opener for n, _ in stack):
                    while stack[-1][0] != opener:
                        n, um = stack.pop()
                        bad(um.start(), um.end(), f"{{% {n} %}} is never closed with {{% end{n} %}}; the tag is removed")
                    stack.pop()
                else:
                    bad(m.start(), m.end(), f"{{% {name} %}} closes nothing; the tag is removed")
            elif name in _INTERMEDIATE:
                if not stack or stack[-1][0] not in _INTERMEDIATE[name]:
                    bad(m.start(), m.end(), f"{{% {name} %}} is outside the block it belongs to; the tag is removed")
            elif tag is None:
                bad(m.start(), m.end(), f"unknown Liquid tag {{% {name} %}}; the tag is removed")
            elif tag.block and getattr(tag, "end", ""):
                if self._check(f"{text}{{% {tag.end} %}}", m, bad):
                    stack.append((name, m))
            else:
                self._check(text, m, bad)
        for n, um in stack:
            bad(um.start(), um.end(), f"{{% {n} %}} is never closed with {{% end{n} %}}; the tag is removed")
        return _splice(src, removals)

    def _check(self, text: str, m: re.Match, bad) -> bool:
        try:
            _ENV.from_string(text)
            return True
        except LiquidError as exc:
            bad(m.start(), m.end(), f"Liquid syntax error in {_short(m.group())}: {_first_line(exc)}; the tag is removed")
            return False


def _first_line(exc: LiquidError) -> str:
    return (getattr(exc, "message", None) or str(exc)).strip().split("\n")[0]


def _line_of(exc: LiquidError) -> int | None:
    token = exc.token
    if token is None or getattr(token, "start_index", -1) < 0:
        return None
    return token.source.count("\n", 0, token.start_index) + 1


def _short(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= 60 else text[:57] + "…"


def _undefined_name(value: Undefined) -> str:
    token = value.token
    if token is not None and getattr(token, "start_index", -1) >= 0 and token.source:
        m = re.match(r"[\w.\[\]'\"-]+", token.source[token.start_index:])
        if m:
            return m.group()
    return str(value.name)
