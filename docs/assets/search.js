// tsuzuri search: the header box and the /search/ page, on the site's own index
// (tsuzuri/search.py writes it; tsuzuri/search_terms.py cuts text into its words).
//
// A query is folded and cut as the index cuts text: Japanese runs into character pairs (one
// character alone into itself), Latin words and numbers whole; a Latin word or number right
// before Japanese pairs with its first character (AI人材 -> ai人), a Latin word then a number is
// one word (Llama 4 -> llama4), a number with % another (2.4% -> 2ꓸ4ꓺ), a run's last character
// pairs with a Latin word right after it (音声AI -> 声ai). Spaces split it into
// groups, which a post must all hold. A group's words are fetched from the word files that
// hold them (a long Japanese word by every other pair: the others are implied). A lone Latin
// word of three letters or more is a prefix (Foxc finds Foxconn).
//
// Ranking: first the posts whose own text (not only tags or aliases) holds more groups, then
// whose title holds more, then by score (BM25 of each group's rarest word, a heading counts
// more), then the newest. Before a post is shown its text is fetched (for the excerpt) and
// each group checked to stand there as typed: a post holding the pairs of a word apart is
// dropped.

const ROOT = new URL("../", import.meta.url); // this file is <site>/assets/search.js
const BUNDLE = new URL("searchindex/", ROOT);
// Keep in sync with RUN_RANGES in tsuzuri/search_terms.py (Japanese word characters).
const RUN = "\\u3005-\\u3007\\u3021-\\u3029\\u3031-\\u3035\\u3038-\\u303c\\u3041-\\u3096\\u309d-\\u309f\\u30a1-\\u30fa\\u30fc-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufa6d\\ufa70-\\ufad9";
const TOKEN = new RegExp(`[${RUN}]+|(?:(?![${RUN}])[\\p{L}\\p{N}])+`, "gu");
const HAS_TOKEN = new RegExp(TOKEN.source, "u");
const RUN_ONE = new RegExp(`^[${RUN}]`, "u");
const NUMBER_SEP = /(?<=[0-9])([.,])(?=[0-9])/g;
const POINT = "\ua4f8", COMMA = "\ua4f9", PERCENT = "\ua4fa"; // search_terms.py, POINT COMMA PERCENT
const LATIN = /^[a-z]/;
const NUMBER = /^[0-9]/;
const WHOLE_NUMBER = /^[0-9][0-9\ua4f8\ua4f9]*$/; // 2ꓸ4 (with %: 2ꓸ4ꓺ), not 0a
const TITLE = 1, HEADING = 2, EXTRA = 4; // a word's flags (search.py)
const K1 = 1.2, B = 0.75;
const EXCERPT_CHARS = 110;
const HEADER_HITS = 6;
const PAGE_HITS = 20;
const FIRST_HITS = 10; // the search page shows these before fetching the rest of its first page

/** Width folding as the indexer does it (search_terms.fold), one character for one, so that a
 * match in the folded text is a match in the text at the same place. */
function foldSame(text) {
  return text
    .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, " ")
    .replace(/\p{Lu}/gu, (c) => { const l = c.toLowerCase(); return l.length === c.length ? l : c; });
}

/** The query folded as search_terms.fold folds text (half-width kana composed too). */
function fold(text) {
  return foldSame(text.replace(/[\uff61-\uff9f]+/g, (s) => s.normalize("NFKC"))).toLowerCase()
    .replace(NUMBER_SEP, (m) => (m === "." ? POINT : COMMA));
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** One group of the query: its tokens (Japanese runs, Latin words and numbers), what lies
 * between them, and from these the index words a post must hold (`need`, each a word or a
 * prefix) and the pattern that checks the group stands in a text as typed. */
function group(text) {
  const tokens = [...text.matchAll(TOKEN)].map((m) => ({ t: m[0], at: m.index, run: RUN_ONE.test(m[0]) }));
  if (!tokens.length) return null;
  const gap = (i) => text.slice(tokens[i - 1].at + tokens[i - 1].t.length, tokens[i].at);
  const join = /^(?:[ \t]+-?|-)[ \t]*$/, spaces = /^[ \t]*$/;
  // a word right before a run pairs with its first character (AI人材 -> ai人); a Latin word
  // then a number is one word (Llama 4 -> llama4); both hold the word itself
  const leads = new Set(), joins = new Set();
  tokens.forEach((tok, i) => {
    const next = tokens[i + 1];
    if (!tok.run && next?.run && spaces.test(gap(i + 1))) leads.add(i);
    if (/^[a-z][a-z0-9]*$/.test(tok.t) && next && !next.run && NUMBER.test(next.t) && join.test(gap(i + 1))) joins.add(i);
  });
  const need = [];
  tokens.forEach((tok, i) => {
    if (tok.run) {
      const chars = [...tok.t];
      if (leads.has(i - 1)) need.push(tokens[i - 1].t + chars[0]);
      const trails = tokens[i + 1] && !tokens[i + 1].run && spaces.test(gap(i + 1)); // (its word holds it)
      if (chars.length === 1) { if (!leads.has(i - 1) && !trails) need.push(chars[0]); return; }
      need.push(...chars.slice(1).map((c, k) => chars[k] + c)); // every pair
      return;
    }
    const trail = i > 0 && tokens[i - 1].run && spaces.test(gap(i)); // 音声AI: 声ai
    if (trail) need.push([...tokens[i - 1].t].pop() + tok.t);
    if (joins.has(i)) { need.push(tok.t + tokens[i + 1].t); return; }
    if (joins.has(i - 1) || leads.has(i)) return; // held by the joined word or the pair
    if (WHOLE_NUMBER.test(tok.t) && /^[ \t]*%/.test(text.slice(tok.at + tok.t.length))) { need.push(tok.t + PERCENT); return; }
    if (trail) return;
    const prefix = tokens.length === 1 && LATIN.test(tok.t) && [...tok.t].length >= 3;
    need.push(prefix ? { prefix: tok.t } : tok.t);
  });
  // The pattern: the tokens in order; between two, spaces (a space often stands between
  // Japanese and a Latin word), a name and its version apart or hyphenated, or what was typed.
  let re = escapeRe(tokens[0].t.replaceAll(POINT, ".").replaceAll(COMMA, ","));
  tokens.slice(1).forEach((tok, k) => {
    const between = gap(k + 1).trim();
    re += joins.has(k) ? "[ \\t]*-?[ \\t]*" : between ? `[ \\t]*${escapeRe(between)}[ \\t]*` : "[ \\t]*";
    re += escapeRe(tok.t.replaceAll(POINT, ".").replaceAll(COMMA, ","));
  });
  const first = tokens[0], last = tokens[tokens.length - 1];
  if (!first.run) re = "(?<![a-z0-9]|[0-9][.,])" + re;
  if (!last.run) {
    const percent = /^[ \t]*%/.test(text.slice(last.at + last.t.length));
    if (percent) re += "[ \\t]*%";
    else if (!need.some((w) => w.prefix)) re += "(?![a-z0-9]|[.,][0-9])";
  }
  return { text, need, pattern: new RegExp(re, "gu") };
}

/** What the reader typed, as groups (null for an empty query). A Latin word alone before a
 * group that starts with a number joins it (Llama 4). */
export function queries(input) {
  const pieces = fold(input || "").split(/\s+/).filter((p) => HAS_TOKEN.test(p));
  const merged = [];
  for (const p of pieces) {
    const prev = merged[merged.length - 1];
    if (prev !== undefined && /^[a-z][a-z0-9]*$/.test(prev) && NUMBER.test(p)) merged[merged.length - 1] = `${prev} ${p}`;
    else merged.push(p);
  }
  const groups = merged.map(group).filter(Boolean);
  return groups.length ? groups : null;
}

/** For tests (tests/test_search.py, under node): the query's groups as [needed words, pattern]
 * and whether every group stands in ``text`` as typed. */
export function explain(input, text = "") {
  const groups = queries(input) || [];
  const folded = foldSame(text);
  return { groups: groups.map((g) => [g.need, g.pattern.source]), stands: groups.every((g) => hasMatch(g.pattern, folded)) };
}

/** FNV-1a of a word's UTF-8 (of its first three characters when it starts with a Latin
 * letter): the word file that holds it (search.py, word_file). */
export function wordFile(word, files) {
  const key = LATIN.test(word) ? [...word].slice(0, 3).join("") : word;
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(key)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h & (files - 1);
}

let loading = null;
/** The index's meta (posts, their lengths, categories and tags), loaded once. */
function engine() {
  loading ??= (async () => {
    const r = await fetch(new URL("meta.json", BUNDLE), { cache: "no-cache" });
    if (!r.ok) throw new Error(`search index: ${r.status}`);
    const meta = await r.json();
    let total = 0;
    for (const n of meta.length) total += n;
    meta.average = meta.posts ? total / meta.posts : 1;
    meta.files_ = new Map();
    return meta;
  })();
  loading.catch(() => { loading = null; });
  return loading;
}

async function gunzip(buffer) {
  const bytes = new Uint8Array(buffer);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return buffer; // a host that sent it decoded
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).arrayBuffer();
}

/** Word file ``n``: word -> [view, offset, count] of its postings, fetched once. */
function words(meta, n) {
  if (!meta.files_.has(n)) {
    const p = (async () => {
      const r = await fetch(new URL(`w/${n}.bin?${meta.id}`, BUNDLE));
      if (r.status === 404) return new Map(); // no word of the site falls in it
      if (!r.ok) throw new Error(`search index: ${r.status}`);
      const view = new DataView(await gunzip(await r.arrayBuffer()));
      const out = new Map(), decoder = new TextDecoder(), size = meta.shift === 16 ? 4 : 8;
      for (let at = 0; at < view.byteLength;) {
        const len = view.getUint8(at);
        const word = decoder.decode(new Uint8Array(view.buffer, at + 1, len));
        const count = view.getUint32(at + 1 + len, true);
        out.set(word, [view, at + 5 + len, count]);
        at += 5 + len + count * size;
      }
      return out;
    })();
    p.catch(() => meta.files_.delete(n));
    meta.files_.set(n, p);
  }
  return meta.files_.get(n);
}

/** Post number -> value (count in the text, flags) of one entry of a word file: its postings
 * are stored as byte planes (search.py, _encode). */
function postings(meta, [view, at, count], into = new Map()) {
  const bytes = new Uint8Array(view.buffer, at, count * (meta.shift === 16 ? 4 : 8));
  const u32 = (plane, k) => (bytes[plane * count + k] | (bytes[(plane + 1) * count + k] << 8)
    | (bytes[(plane + 2) * count + k] << 16) | (bytes[(plane + 3) * count + k] << 24)) >>> 0;
  for (let k = 0; k < count; k++) {
    let number, value;
    if (meta.shift === 16) {
      const x = u32(0, k);
      number = x >>> 16; value = x & 0xffff;
    } else {
      value = u32(0, k); number = u32(4, k);
    }
    const had = into.get(number);
    // a prefix's words in one post: the most counted, every flag
    into.set(number, had === undefined ? value : Math.max(had & 0xff, value & 0xff) | ((had | value) & 0xff00));
  }
  return into;
}

/** Post number -> value of one needed word (a word, or every word with a prefix). */
async function lookup(meta, need) {
  const word = need.prefix ?? need;
  const file = await words(meta, wordFile(word, meta.files));
  if (!need.prefix) return file.has(word) ? postings(meta, file.get(word)) : new Map();
  const into = new Map();
  for (const [w, entry] of file) if (w.startsWith(word)) postings(meta, entry, into);
  return into;
}

/** Run a search; null for an empty query without filters. */
async function search(input, { filters = {}, sort } = {}) {
  const groups = queries(input);
  const hasFilters = Object.values(filters).some((v) => v && v.length);
  if (!groups && !hasFilters) return null;
  const meta = await engine();
  const keep = (n) => (!filters.category?.length || meta.category[n].some((c) => filters.category.includes(meta.categories[c])))
    && (!filters.tag?.length || filters.tag.every((t) => meta.tag[n].some((x) => meta.tags[x] === t)));
  let numbers, info = new Map();
  if (!groups) {
    numbers = [...meta.length.keys()].filter(keep);
  } else {
    const found = await Promise.all(groups.map((g) => Promise.all(g.need.map((w) => lookup(meta, w)))));
    const smallest = found.flat().reduce((a, b) => (b.size < a.size ? b : a));
    // A post holds a group when its own text (title, headings, text) holds every word of it,
    // or its tags and aliases do; words found only across the two are no match.
    for (const n of smallest.keys()) {
      if (!keep(n) || !found.every((ws) => ws.every((m) => m.has(n)))) continue;
      let own = 0, title = 0, score = 0;
      const via = groups.map((g, i) => {
        const values = found[i].map((m) => m.get(n));
        const extra = values.every((v) => (v >> 8) & EXTRA);
        if (!values.every((v) => (v & 0xff) > 0 || (v >> 8) & (TITLE | HEADING))) return extra ? "extra" : null;
        own += 1;
        if (values.every((v) => (v >> 8) & TITLE)) title += 1;
        score += Math.min(...values.map((v, k) => bm25(meta, found[i][k].size, v, n)));
        return extra ? "both" : "own";
      });
      if (via.includes(null)) continue;
      info.set(n, { key: [own, title, score], via });
    }
    numbers = [...info.keys()];
    if (!sort) {
      numbers.sort((a, b) => {
        const [x, y] = [info.get(a).key, info.get(b).key];
        return y[0] - x[0] || y[1] - x[1] || y[2] - x[2] || b - a;
      });
    }
  }
  if (sort || !groups) numbers.sort((a, b) => b - a); // newest first (posts are numbered oldest first)
  return { results: numbers, info, groups: groups || [], meta, next: 0 };
}

function bm25(meta, df, value, n) {
  const tf = value & 0xff, idf = Math.log(1 + (meta.posts - df + 0.5) / (df + 0.5));
  const norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * meta.length[n] / meta.average));
  return idf * (norm + ((value >> 8) & HEADING ? 1 : 0));
}

/** Post ``n``'s URL, title, date, categories and text. */
async function post(meta, n) {
  const r = await fetch(new URL(`p/${n}.json?${meta.id}`, BUNDLE));
  if (!r.ok) throw new Error(`search index: ${r.status}`);
  return r.json();
}

/** The next ``n`` hits, each checked in its text: a post whose own text was to hold a group
 * (not only its tags or aliases) but does not say it as typed is dropped from the results. */
async function more(found, n) {
  const out = [];
  while (out.length < n && found.next < found.results.length) {
    const batch = found.results.slice(found.next, found.next + n - out.length);
    const docs = await Promise.all(batch.map((k) => post(found.meta, k)));
    const dropped = new Set();
    docs.forEach((d, i) => {
      const via = found.info.get(batch[i])?.via || [];
      const text = foldSame(`${d.title}\n${d.text}`);
      const ok = found.groups.every((g, k) => via[k] === "extra" || via[k] === "both" || hasMatch(g.pattern, text));
      if (ok) out.push(Object.assign(d, { match: found.groups.filter((g, k) => via[k] !== "extra") }));
      else dropped.add(batch[i]);
    });
    found.results.splice(found.next, batch.length, ...batch.filter((k) => !dropped.has(k)));
    found.next += batch.length - dropped.size;
  }
  return out;
}

function hasMatch(pattern, text) {
  pattern.lastIndex = 0;
  return pattern.test(text);
}

/** The excerpt of a hit: the stretch of its text (not its title, shown above) that holds the
 * most of the query's groups, each match marked; the opening of its text when its own text
 * holds none (found through a tag or an alias). HTML-escaped. */
export function excerpt(d, groups = d.match || []) {
  const text = d.text || "";
  const folded = foldSame(text);
  const hits = []; // [start, end, group]
  groups.forEach((g, k) => {
    g.pattern.lastIndex = 0;
    for (const m of folded.matchAll(g.pattern)) {
      if (m[0].length) hits.push([m.index, m.index + m[0].length, k]);
      if (hits.length > 2000) break;
    }
  });
  hits.sort((a, b) => a[0] - b[0]);
  let from = 0, best = 0;
  for (const [start] of hits) { // the window that holds the most groups, the first such
    const n = new Set(hits.filter(([s, e]) => s >= start && e <= start + EXCERPT_CHARS).map(([, , g]) => g)).size;
    if (n > best) { best = n; from = start; }
  }
  if (best) from = Math.max(0, from - 20);
  if (from > 0) { // start at a sentence or a space when one is near
    const cut = text.slice(from, from + 20).search(/(?<=[。．！？\s])/u);
    if (cut > 0) from += cut;
  }
  const to = Math.min(text.length, from + EXCERPT_CHARS);
  let html = from > 0 ? "…" : "", at = from;
  for (const [s, e] of hits) {
    if (e <= at || s >= to) continue;
    const start = Math.max(s, at);
    html += esc(text.slice(at, start)) + "<mark>" + esc(text.slice(start, Math.min(e, to))) + "</mark>";
    at = Math.min(e, to);
  }
  html += esc(text.slice(at, to)) + (to < text.length ? "…" : "");
  return html.replace(/\s+/g, " ").trim();
}

const ESCAPE = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
const esc = (s) => s.replace(/[&<>"]/g, (c) => ESCAPE[c]);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "html") node.innerHTML = v; else if (v !== null && v !== undefined) node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** A result's link: the post's URL (site-relative, already percent-encoded). */
export function hitUrl(d, root = ROOT.pathname) {
  return root + d.url;
}

function hit(d, id) {
  return el("li", { class: "tz-hit", role: "option", id },
    el("a", { class: "tz-hit__link", href: hitUrl(d) },
      el("span", { class: "tz-hit__title" }, d.title || hitUrl(d)),
      el("span", { class: "tz-hit__meta" },
        d.date ? el("time", {}, d.date) : null,
        d.category ? el("span", { class: "tz-hit__category" }, d.category) : null),
      el("span", { class: "tz-hit__excerpt", html: excerpt(d) })));
}

/** Per category and tag, how many of ``numbers`` have it. */
function facetCounts(meta, numbers) {
  const out = { category: {}, tag: {} };
  for (const n of numbers) {
    for (const c of meta.category[n]) out.category[meta.categories[c]] = (out.category[meta.categories[c]] || 0) + 1;
    for (const t of meta.tag[n]) out.tag[meta.tags[t]] = (out.tag[meta.tags[t]] || 0) + 1;
  }
  return out;
}

function searchUrl(q) {
  const u = new URL("search/", ROOT);
  if (q) u.searchParams.set("q", q);
  return u.href;
}

function debounce(fn, ms) {
  let t;
  return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
}

/* -- the header box ------------------------------------------------------------------------ */

function headerBox(root) {
  const form = root.querySelector("form");
  const input = root.querySelector("input");
  const panel = root.querySelector(".tz-search__panel");
  const status = panel.querySelector(".tz-search__status");
  const list = panel.querySelector(".tz-search__results");
  const all = panel.querySelector(".tz-search__more");
  let active = -1, seq = 0;

  const open = (on) => {
    panel.hidden = !on;
    input.setAttribute("aria-expanded", String(on));
    root.classList.toggle("tz-search--open", on);
  };
  const items = () => [...list.querySelectorAll(".tz-hit")];
  const setActive = (i) => {
    const hits = items();
    active = hits.length ? (i + hits.length) % hits.length : -1;
    hits.forEach((h, k) => h.setAttribute("aria-selected", String(k === active)));
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", hits[active].id);
      hits[active].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  };

  const update = debounce(async () => {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) { list.replaceChildren(); open(false); return; }
    let found;
    try {
      found = await search(q);
    } catch (e) {
      if (mine !== seq) return;
      status.textContent = "検索を読み込めませんでした。";
      list.replaceChildren(); open(true); return;
    }
    if (mine !== seq) return;
    const hits = found ? await more(found, HEADER_HITS) : [];
    if (mine !== seq) return;
    const total = found ? found.results.length : 0;
    list.replaceChildren(...hits.map((d, i) => hit(d, `tz-hit-${i}`)));
    status.textContent = hits.length ? `「${q}」の検索結果 ${total}件` : `「${q}」に一致する記事はありません`;
    all.hidden = !hits.length;
    all.href = searchUrl(q);
    all.textContent = `すべての結果を見る（${total}件）`;
    active = -1;
    setActive(hits.length ? 0 : -1);
    open(true);
    root.dataset.state = "done";
  }, 80);

  input.addEventListener("focus", () => { engine().catch(() => {}); if (list.children.length) open(true); });
  input.addEventListener("input", () => { root.dataset.state = "searching"; update(); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      setActive(active + (e.key === "ArrowDown" ? 1 : -1));
    } else if (e.key === "Escape") {
      e.preventDefault();
      open(false);
      input.blur();
    } else if (e.key === "Enter" && !e.isComposing) {
      const target = items()[Math.max(active, 0)];
      if (target && !panel.hidden) {
        e.preventDefault();
        window.location.href = target.querySelector("a").href;
      }
    }
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (input.value.trim()) window.location.href = searchUrl(input.value.trim());
  });
  document.addEventListener("click", (e) => { if (!root.contains(e.target)) open(false); });

  // "/" or "s" anywhere (outside a text field) focuses the box; capture so Material's own
  // keyboard handling never sees the key.
  document.addEventListener("keydown", (e) => {
    if (e.metaKey || e.ctrlKey || e.altKey || e.isComposing) return;
    const t = e.target;
    if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (e.key === "/" || e.key === "s" || e.key === "S") {
      e.preventDefault();
      e.stopImmediatePropagation();
      input.focus();
      input.select();
    }
  }, true);
}

/* -- the /search/ page --------------------------------------------------------------------- */

function searchPage(root) {
  const form = root.querySelector("form");
  const input = form.querySelector("input[name=q]");
  const sortBox = form.querySelector("select[name=sort]");
  const status = root.querySelector(".tz-search-page__status");
  const list = root.querySelector(".tz-search-page__results");
  const moreBtn = root.querySelector(".tz-search-page__more");
  const facets = root.querySelector(".tz-search-filters");
  const params = new URLSearchParams(window.location.search);
  const chosen = { category: new Set(params.getAll("category")), tag: new Set(params.getAll("tag")) };
  const LABELS = { category: "カテゴリー", tag: "タグ" };
  let found = null, seq = 0, totals = null;

  input.value = params.get("q") || "";
  if (sortBox) sortBox.value = params.get("sort") === "date" ? "date" : "";

  const filterArg = () => {
    const f = {};
    if (chosen.category.size) f.category = [...chosen.category]; // any of them
    if (chosen.tag.size) f.tag = [...chosen.tag]; // all of them
    return f;
  };

  const syncUrl = () => {
    const p = new URLSearchParams();
    if (input.value.trim()) p.set("q", input.value.trim());
    for (const k of ["category", "tag"]) for (const v of chosen[k]) p.append(k, v);
    if (sortBox && sortBox.value) p.set("sort", sortBox.value);
    const qs = p.toString();
    history.replaceState(null, "", qs ? `?${qs}` : window.location.pathname);
  };

  const renderFacets = (counts) => {
    facets.replaceChildren();
    for (const key of ["category", "tag"]) {
      const all = (totals && totals[key]) || {};
      const names = Object.keys(all).sort((a, b) => (all[b] - all[a]) || a.localeCompare(b, "ja"));
      if (!names.length) continue;
      const box = el("fieldset", { class: "tz-facet" }, el("legend", {}, LABELS[key]));
      for (const name of names) {
        const n = counts ? (counts[key] || {})[name] || 0 : all[name];
        const cb = el("input", { type: "checkbox", name: key, value: name });
        cb.checked = chosen[key].has(name);
        cb.addEventListener("change", () => {
          if (cb.checked) chosen[key].add(name); else chosen[key].delete(name);
          run();
        });
        box.append(el("label", { class: n || cb.checked ? "" : "tz-facet--empty" }, cb, ` ${name}`,
          el("span", { class: "tz-count" }, ` ${n}`)));
      }
      facets.append(box);
    }
  };

  const show = async (n) => {
    const mine = seq;
    // The first screenful as soon as its excerpts are in, then the rest of the page.
    for (const size of !list.children.length && n > FIRST_HITS ? [FIRST_HITS, n - FIRST_HITS] : [n]) {
      if (list.children.length) await new Promise((r) => requestAnimationFrame(() => setTimeout(r))); // painted first
      const hits = await more(found, size);
      if (mine !== seq) return;
      const start = list.children.length;
      list.append(...hits.map((d, i) => hit(d, `tz-page-hit-${start + i}`)));
    }
    moreBtn.hidden = found.next >= found.results.length;
  };

  const run = async () => {
    const mine = ++seq;
    syncUrl();
    const q = input.value.trim();
    status.textContent = "検索しています…";
    root.dataset.state = "searching";
    const failed = () => {
      if (mine !== seq) return;
      status.textContent = "検索を読み込めませんでした。";
      root.dataset.state = "error";
    };
    try {
      found = await search(q, { filters: filterArg(), sort: sortBox && sortBox.value ? { date: "desc" } : undefined });
    } catch (e) {
      failed();
      return;
    }
    if (mine !== seq) return;
    list.replaceChildren();
    moreBtn.hidden = true;
    if (!found) {
      status.textContent = "キーワードを入力してください。";
    } else {
      try {
        await show(PAGE_HITS); // (a post whose text does not hold the query is dropped on the way)
      } catch (e) {
        failed();
        return;
      }
      if (mine !== seq) return;
      const n = found.results.length;
      status.textContent = n
        ? (q ? `「${q}」の検索結果 ${n}件` : `${n}件`)
        : (q ? `「${q}」に一致する記事はありません。` : "該当する記事はありません。");
    }
    try {
      const meta = await engine();
      totals ??= facetCounts(meta, meta.length.keys());
      renderFacets(found ? facetCounts(meta, found.results) : null);
    } catch (e) {
      failed();
      return;
    }
    if (mine !== seq) return;
    root.dataset.state = "done";
  };

  form.addEventListener("submit", (e) => { e.preventDefault(); run(); });
  input.addEventListener("input", debounce(run, 150));
  if (sortBox) sortBox.addEventListener("change", run);
  moreBtn.addEventListener("click", () => show(PAGE_HITS));
  input.addEventListener("keydown", (e) => { if (e.key === "Escape") input.blur(); });
  run();
}

for (const box of document.querySelectorAll("[data-tz-search]")) headerBox(box);
for (const page of document.querySelectorAll("[data-tz-search-page]")) searchPage(page);
