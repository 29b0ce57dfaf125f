// tsuzuri search: the header box and the /search/ page, on Pagefind's JS API.
//
// The index holds every run of Japanese word characters as overlapping pairs, then the run's
// last character alone (データ -> デー ータ タ), and a Latin word or number right before such
// a run pairs with its first character (AI人材 -> AI AI人 人材 材, 2.5兆円 -> 2ꓸ5 2ꓸ5兆 兆円 円): tsuzuri/search.py, segment.
// A query is cut the same way and split on spaces into groups; every group must match:
// - a group of several words (a Japanese word, 2.5兆円, AI人材) as an exact phrase of them, so
//   it matches only where its characters stand together (a substring search). A Latin word or
//   number that pairs with the next word (AI of AI人) is left out: AI人 holds it whole, and it
//   is the biggest part of the index to fetch;
// - a Latin word followed by a number (Llama 4, HBM 4) as the two side by side or written as
//   one word (HBM4);
// - a lone number exactly (the 4 of `Llama 4` is not a prefix of 40); a lone Latin word, a
//   pair or a single character as a prefix (Foxc finds Foxconn, 株 finds 株価).
// One more search of all the words gives the hits (and their excerpts). Unless a sort is asked
// for they are ranked by their groups, from each word's positions in a search of that word
// alone (a phrase stands where its words follow each other; the staged page puts tags and
// aliases, then the title, at fixed positions): first the posts whose own text holds more
// groups, then whose title holds more, then by score (a group scores what the least of its
// words scores alone: Pagefind's weights, title >> headings >> body). All of these searches
// read the same index chunks, which Pagefind fetches once.

const ROOT = new URL("../", import.meta.url); // this file is <site>/assets/search.js
const BUNDLE = new URL("pagefind/", ROOT);
// Keep in sync with CJK_RANGES and RUN_RANGES in tsuzuri/search.py.
const CJK = "\\u3000-\\u303f\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff";
const RUN = "\\u3005-\\u3007\\u3021-\\u3029\\u3031-\\u3035\\u3038-\\u303c\\u3041-\\u3096\\u309d-\\u309f\\u30a1-\\u30fa\\u30fc-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufa6d\\ufa70-\\ufad9";
const CJK_ONE = new RegExp(`^[${CJK}]$`, "u");
const RUN_ONE = new RegExp(`^[${RUN}]$`, "u");
const NOT_RUN = new RegExp(`([^${RUN}])`, "gu");
// (Not `(?:…)?` as in search.py: a JavaScript quantifier never keeps an empty match's capture.)
const PAIRS = new RegExp(`(?<=(?<!(?![${RUN}])[\\p{L}\\p{N}])((?:(?![${RUN}])[\\p{L}\\p{N}])+)) *([${RUN}]+)|([${RUN}]+)`, "gu");
const NUMBER_SEP = /(?<=[0-9])([.,])(?=[0-9])/g;
const POINT = "\ua4f8", COMMA = "\ua4f9"; // 2.5 -> 2ꓸ5: one word (search.py, POINT)
const PERCENT = "\ua4fa"; // 2.4% -> 2ꓸ4 2ꓸ4ꓺ (search.py, PERCENT)
const PERCENT_RE = /(?<![0-9A-Za-z\ua4f8\ua4f9])([0-9][0-9\ua4f8\ua4f9]*)[ \t]*%/g;
const NUMBER = /^[0-9][0-9\ua4f8\ua4f9]*$/;
const LATIN_WORD = /^[A-Za-z][A-Za-z0-9]*$/;
// Where the staged page's parts stand (search.py, EXTRA_SLOT and TITLE_END): tags and aliases
// before EXTRA_SLOT, the title up to TITLE_END, then headings and body. PAD fills them.
const EXTRA_SLOT = 512, TITLE_END = 640, PAD = "\u2042";
const EXCERPT_WORDS = 60;
const HEADER_HITS = 6;
const PAGE_HITS = 20;
const FIRST_HITS = 10; // the search page shows these before fetching the rest of its first page

/** Width folding as the indexer does it: full-width ASCII -> ASCII, half-width kana -> NFKC. */
function fold(text) {
  return text
    .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\uff61-\uff9f]+/g, (s) => s.normalize("NFKC"))
    .replace(/\u3000/g, " ");
}

/** The phrases of one group: its words as the indexer cuts text (search.py, segment), split
 * where punctuation stands (Pagefind drops it from a query, so a phrase cannot span it). */
function groupWords(group) {
  const cut = group
    .replace(NUMBER_SEP, (m) => (m === "." ? POINT : COMMA))
    .replace(PERCENT_RE, `$1 $1${PERCENT}`)
    .replace(new RegExp(`([${CJK}])`, "gu"), (c) => (RUN_ONE.test(c) ? c : ` ${c} `))
    .replace(PAIRS, (m, before, joined, alone) => {
      const chars = [...(joined ?? alone)];
      const words = chars.slice(1).map((c, i) => chars[i] + c);
      words.push(chars[chars.length - 1]);
      if (before) words.unshift(before + chars[0]);
      return ` ${words.join(" ")} `;
    });
  const phrases = [[]];
  for (const w of cut.split(/\s+/)) {
    if (/[\p{L}\p{N}]/u.test(w)) phrases[phrases.length - 1].push(w);
    else if (w && phrases[phrases.length - 1].length) phrases.push([]);
  }
  // The text may go on after the query's last character: its lone character (the end of a
  // run in the index) is left out; the pair before it already holds it.
  const last = phrases[phrases.length - 1];
  if (last.length > 1 && RUN_ONE.test([...group].pop())) last.pop();
  return phrases.filter((p) => p.length);
}

/** A long Japanese word by every other pair: デー タセ ンタ ター for データセンター ([offset,
 * pair]). The pair between two it keeps is known from them (their last and first characters),
 * and it stands between them in the text: two runs never follow each other directly (search.py,
 * PAD). A word's pairs cost a chunk of every shard's index each. */
function everyOther(words) {
  const keep = [[0, words[0]]];
  for (let k = 1; k < words.length; k++) {
    if (k < words.length - 1 && keep[keep.length - 1][0] === k - 1) continue;
    keep.push([k, words[k]]);
  }
  return keep;
}

/** What the reader typed, as Pagefind searches. Per group: `match`, what a post must hold (one
 * of: its phrase; a version written apart or as one word), `search`, the Pagefind searches a
 * post must be in one of (none when `pattern` decides: a Japanese word's pairs at their
 * offsets, see everyOther), `pattern`, the words whose positions in a search of each alone
 * rank it; and `rank`, every pattern word. Null for an empty query. */
export function queries(input) {
  const cut = fold(input || "").split(/\s+/).flatMap(groupWords);
  if (!cut.length) return null;
  const groups = [];  // [words, words written as one (a version) or null]
  for (const words of cut) {
    const prev = groups[groups.length - 1];
    if (prev && !prev[1] && prev[0].length === 1 && LATIN_WORD.test(prev[0][0]) && NUMBER.test(words[0])) {
      // Llama 4: the name and the number side by side, or one word (Llama4, Llama4の)
      const name = prev[0][0];
      groups[groups.length - 1] = [[name, ...words], words.map((w, i) => (i === 0 || w.startsWith(words[0]) ? name + w : w))];
    } else groups.push([words, null]);
  }
  const lead = (w) => w.length > 1 && w[1].length > w[0].length && w[1].startsWith(w[0]);
  // the word a Latin word or number pairs with holds it whole: AI人 for AI AI人 (see above)
  const unlead = (w) => (lead(w) ? w.slice(1) : w);
  const term = (w) => {
    const words = unlead(w);
    if (words.length > 1) return `"${words.join(" ")}"`;
    // a number exactly, also with a sign Pagefind drops (2.4% is not a prefix of 2.45%); a word
    // left after its lead exactly too (Pagefind would cut an unquoted 4ꓸ4倍 into 4ꓸ4 and 倍)
    return lead(w) || NUMBER.test(words[0].replace(/[^\p{L}\p{N}]/gu, "")) ? `"${words[0]}"` : words[0];
  };
  const pairs = (ws) => ws.length > 2 && ws.every((x) => [...x].length === 2 && [...x].every((c) => RUN_ONE.test(c)));
  const exact = (t) => (t.startsWith('"') ? t : `"${t}"`); // Llama4 exactly, never Llama40
  const match = [], search = [], pattern = [];
  for (const [w, joined] of groups) {
    const words = unlead(w);
    match.push(joined ? [term(w), exact(term(joined))] : [term(w)]);
    if (!joined && pairs(words)) {
      search.push([]);
      pattern.push(everyOther(words));
    } else {
      search.push(match[match.length - 1]);
      pattern.push(joined ? [[0, w[0]]] : words.map((x, k) => [k, x]));
    }
  }
  return { rank: [...new Set(pattern.flat().map(([, x]) => x))].join(" "), match, search, pattern };
}

/** An excerpt as the reader wrote it: pairs back to characters, spaces next to Japanese
 * removed, marks kept (a character is marked when a marked word holds it). */
export function unspace(html) {
  const out = []; // [text, marked, cjk, the index word it came from]
  let held = null; // the second character of the last pair: the next word starts with it
  const flush = () => { if (held) out.push([held[0], held[1], true, held[0]]); held = null; };
  const before = () => out[out.length - 1];
  for (const raw of html.split(" ")) {
    if (!raw) continue;
    const m = /^<mark>(.*)<\/mark>$/s.exec(raw);
    const marked = !!m, word = m ? m[1] : raw;
    const chars = [...word];
    const last = chars[chars.length - 1];
    if (chars.length >= 2 && RUN_ONE.test(last) && !chars.slice(0, -1).some((c) => RUN_ONE.test(c))) {
      flush(); // a Latin word or number (written just before) with the run's first character
      const prev = before();
      if (marked && prev && prev[3] === chars.slice(0, -1).join("")) prev[1] = true; // found through this word
      held = [last, marked];
      continue;
    }
    if (chars.length <= 2 && RUN_ONE.test(last)) {
      const first = chars[0];
      const mark = marked || (held !== null && held[0] === first && held[1]);
      if (held && held[0] !== first) flush();
      out.push([first, mark, true, first]);
      held = chars.length === 2 ? [chars[1], marked] : null;
      continue;
    }
    flush();
    const text = word.replace(/\ua4f8/g, ".").replace(/\ua4f9/g, ",");
    const prev = before();
    if (last === PERCENT && prev && prev[3] === chars.slice(0, -1).join("")) {
      // 2ꓸ4 2ꓸ4ꓺ: the number, then it with its percent sign (search.py, PERCENT)
      prev[0] += "%"; prev[1] ||= marked; prev[3] = word;
      continue;
    }
    out.push([text.replace(/\ua4fa/g, "%"), marked, chars.length === 1 && CJK_ONE.test(word), word]);
  }
  flush();
  let html2 = "", open = false, prevCjk = true;
  for (const [text, marked, cjk] of out) {
    if (html2 && !cjk && !prevCjk) html2 += open && marked ? " " : (open ? "</mark> " : " ");
    if (open && !marked) { html2 += "</mark>"; open = false; }
    if (!open && marked) { html2 += "<mark>"; open = true; }
    html2 += text;
    prevCjk = cjk;
  }
  return open ? html2 + "</mark>" : html2;
}

let loading = null;
/** Pagefind, loaded once on first use: the oldest shard of the index, the other shards merged
 * into it, and the small "delta" index of recent changes when there is one. */
function engine() {
  loading ??= (async () => {
    let cfg = {};
    try {
      const r = await fetch(new URL("tsuzuri.json", BUNDLE), { cache: "no-cache" });
      if (r.ok) cfg = await r.json();
    } catch (e) { /* an index without tsuzuri.json: no delta */ }
    if (cfg.empty) return { pf: null, stale: new Set() }; // a site with no posts yet
    const pf = await import(new URL("pagefind.js", BUNDLE).href);
    const options = { baseUrl: ROOT.pathname, exactDiacritics: true, excerptLength: 60 };
    await pf.options(options);
    // Pagefind takes the page's language (<html lang="ja">) as the query's and would cut a
    // Japanese query into dictionary words (Intl.Segmenter), undoing the pairs of queries():
    // it is created, synchronously inside init(), while the page says "und".
    const html = document.documentElement, lang = html.getAttribute("lang");
    html.setAttribute("lang", "und");
    const ready = pf.init();
    if (lang === null) html.removeAttribute("lang"); else html.setAttribute("lang", lang);
    await ready;
    // every shard at once (each loads its own metadata; Pagefind keeps them in this order)
    await Promise.all([...(cfg.shards || []), ...(cfg.delta ? [cfg.delta] : [])].map((shard) =>
      pf.mergeIndex(new URL(shard, BUNDLE).pathname, { ...options, language: "und" })));
    return { pf, stale: new Set(cfg.stale || []) };
  })();
  loading.catch(() => { loading = null; });
  return loading;
}

/** Run a search; null for an empty query without filters. */
async function search(input, { filters = {}, sort } = {}) {
  const q = queries(input);
  const hasFilters = Object.values(filters).some((v) => (Array.isArray(v) ? v.length : v?.any?.length));
  if (!q && !hasFilters) return null;
  const { pf, stale } = await engine();
  const match = q ? q.match : [];
  if (!pf) return { results: [], filters: {}, stale, next: 0, match };
  const opts = sort ? { filters, sort } : { filters };
  if (!q || (q.search.length === 1 && q.search[0].length === 1 && q.search[0][0] === q.rank)) {
    const run = await pf.search(q?.rank ?? null, opts); // one group of one word: one search
    return { results: run.results, filters: run.filters, stale, next: 0, match };
  }
  const runs = new Map(); // each distinct search once
  const run = (t) => { if (!runs.has(t)) runs.set(t, pf.search(t, opts)); return runs.get(t); };
  const [ranked, searched, alone] = await Promise.all([
    run(q.rank),
    Promise.all(q.search.map((alts) => Promise.all(alts.map(run)))),
    // per group and word: post id -> [score, positions] of that word alone
    Promise.all(q.pattern.map((words) => Promise.all(words.map(async ([, w]) =>
      new Map((await run(w)).results.map((x) => [x.id, [x.score, x.words]]))))))]);
  const ids = (r) => new Set(r.results.map((x) => x.id));
  const sets = searched.map((alts) => alts.map(ids));
  // where each group's pattern stands in a post (positions of its first word)
  const at = (r) => q.pattern.map((words, g) => {
    const got = alone[g].map((m) => m.get(r.id));
    if (got.some((x) => !x)) return [got, []];
    const pos = got.map(([, p]) => new Set(p));
    return [got, got[0][1].filter((p) => words.every(([o], k) => pos[k].has(p + o)))];
  });
  const where = new Map();
  let results = ranked.results.filter((r) => {
    const found = at(r);
    where.set(r, found);
    return sets.every((alts, g) => (alts.length ? alts.some((set) => set.has(r.id)) : found[g][1].length > 0));
  });
  if (!sort) {
    const key = new Map(results.map((r, i) => {
      let text = 0, title = 0, total = 0;
      for (const [got, starts] of where.get(r)) {
        const own = starts.filter((p) => p >= EXTRA_SLOT);
        if (!own.length) continue; // only in the tags or aliases
        text += 1;
        if (own[0] < TITLE_END) title += 1;
        total += Math.min(...got.map(([score]) => score)); // a phrase is no likelier than its rarest word
      }
      return [r, [text, title, total, i]];
    }));
    results = [...results].sort((a, b) => {
      const [x, y] = [key.get(a), key.get(b)];
      return y[0] - x[0] || y[1] - x[1] || y[2] - x[2] || x[3] - y[3];
    });
  }
  return { results, filters: null, stale, next: 0, match };
}

/** The next ``n`` displayable hits (stale copies from the main index skipped). */
async function more(found, n) {
  const out = [];
  while (out.length < n && found.next < found.results.length) {
    const batch = found.results.slice(found.next, found.next + n - out.length);
    found.next += batch.length;
    for (const d of await Promise.all(batch.map((r) => r.data()))) {
      if (!found.stale.has(d.meta.k)) out.push(d);
    }
  }
  return out;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "html") node.innerHTML = v; else if (v !== null && v !== undefined) node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** A result's link: the post's URL from its metadata (site-relative, already percent-encoded;
 * the staged file Pagefind saw is named by a hash, see stage_name in tsuzuri/search.py). */
export function hitUrl(d, root = ROOT.pathname) {
  const url = d.meta?.url;
  return url === undefined ? d.url : root + url;
}

function hit(d, id, match) {
  const meta = d.meta || {};
  return el("li", { class: "tz-hit", role: "option", id },
    el("a", { class: "tz-hit__link", href: hitUrl(d) },
      el("span", { class: "tz-hit__title" }, meta.title || hitUrl(d)),
      el("span", { class: "tz-hit__meta" },
        meta.date ? el("time", {}, meta.date) : null,
        meta.category ? el("span", { class: "tz-hit__category" }, meta.category) : null),
      el("span", { class: "tz-hit__excerpt", html: excerpt(d, match) })));
}

const ESCAPE = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

const norm = (w) => w.toLowerCase().replace(/[^\p{L}\p{N}]/gu, ""); // a word as Pagefind indexes it

/** The excerpt of a hit, from its fragment's words (as Pagefind splits them): where the most of
 * the query's groups stand (its body before its title, which is shown above; never its tags and
 * aliases, nor PAD), each match marked; for a post found only through a tag or an alias, the
 * opening of its body. ``match`` is queries()'s. */
export function excerpt(d, match = []) {
  const words = (d.content || "").split(/[\r\n\s]+/g);
  const keys = words.map(norm);
  const body = +(d.meta?.b ?? TITLE_END);
  const alts = match.map((group) => group.map((t) => {
    const exact = t.startsWith('"');
    return [t.replace(/"/g, "").split(" ").map(norm), exact];
  }));
  const hits = []; // [position, length, group]
  for (let p = EXTRA_SLOT; p < keys.length; p++) {
    alts.forEach((group, g) => {
      for (const [phrase, exact] of group) {
        const ok = phrase.every((w, k) => (exact || phrase.length > 1 ? keys[p + k] === w : keys[p + k]?.startsWith(w)));
        if (ok) { hits.push([p, phrase.length, g]); break; }
      }
    });
  }
  const near = hits.some(([p]) => p >= body) ? hits.filter(([p]) => p >= body) : hits;
  let from = body, best = 0;
  for (const [p] of near) { // the window that holds the most groups, the first such
    const groups = new Set(near.filter(([q]) => q >= p && q < p + EXCERPT_WORDS).map(([, , g]) => g)).size;
    if (groups > best) { best = groups; from = Math.max(EXTRA_SLOT, p - 8); }
  }
  const marked = new Set(hits.flatMap(([p, n]) => Array.from({ length: n }, (_, k) => p + k)));
  const out = [];
  for (let i = from; i < words.length && out.length < EXCERPT_WORDS; i++) {
    const w = words[i];
    if (!w || w.replace(/[.]$/, "") === PAD) continue;
    const text = w.replace(/[&<>"]/g, (c) => ESCAPE[c]);
    out.push(marked.has(i) ? `<mark>${text}</mark>` : text);
  }
  return unspace(out.join(" "));
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
    list.replaceChildren(...hits.map((d, i) => hit(d, `tz-hit-${i}`, found.match)));
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
    if (chosen.category.size) f.category = { any: [...chosen.category] };
    if (chosen.tag.size) f.tag = [...chosen.tag];
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
      const hits = await more(found, size);
      if (mine !== seq) return;
      const start = list.children.length;
      list.append(...hits.map((d, i) => hit(d, `tz-page-hit-${start + i}`, found.match)));
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
      status.textContent = found.results.length
        ? (q ? `「${q}」の検索結果 ${found.results.length}件` : `${found.results.length}件`)
        : (q ? `「${q}」に一致する記事はありません。` : "該当する記事はありません。");
      await show(PAGE_HITS);
    }
    // The facets' totals (every shard's filter index) after the results: the reader needs
    // those first.
    try {
      if (!totals) totals = (await (await engine()).pf?.filters()) || {};
    } catch (e) {
      failed();
      return;
    }
    if (mine !== seq) return;
    renderFacets(found ? found.filters : null);
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
