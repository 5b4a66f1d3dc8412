"""The leaderboard as one static HTML page: inline CSS and a small inline script (click a header to sort), nothing
fetched from anywhere (a Content-Security-Policy forbids it), so it works from ``file://`` with no network.

The script also writes a machine-checkable status into ``<pre id="lb-status">`` once the page has loaded: how many
tables and rows, which images loaded, and whether sorting a numeric column by clicking its header gives numeric
order both ways (``tests/test_leaderboard.py`` reads it from a headless Chromium).
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from emozoo.bench.report import CONVENTION
from emozoo.leaderboard.page import Line, Page, Section, lower_is_better, short_source, value_text, value_title

GENERATOR = "emozoo leaderboard"
CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
KINDS = {
    "method": "a method (recognition), or a generator's data added to real data (augmentation)",
    "baseline": "the protocol's classifier on real data alone, or with a classical augmentation (noise, oversampling, token edits)",
    "ceiling": "an oracle: more real data in place of generated data (same units: a perfect generator; new units: the information ceiling)",
}

CSS = """
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dee7;--head:#eef1f6;--accent:#2456a6;--ceil:#fff6e0;--base:#eef6ee}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:#fff}
header,main,footer{max-width:1360px;margin:0 auto;padding:0 20px}
header{padding-top:18px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:30px 0 4px;padding-top:8px;border-top:2px solid var(--line)}
h3{font-size:15px;margin:18px 0 6px}
a{color:var(--accent)}
code{font:12px/1.3 ui-monospace,"DejaVu Sans Mono",monospace}
.summary{font-size:15px;margin:2px 0 6px}
.muted,.meta{color:var(--muted)}
.meta{margin:2px 0 8px}
nav ul{list-style:none;padding:0;margin:8px 0;display:flex;flex-wrap:wrap;gap:6px}
nav li a{display:inline-block;padding:3px 9px;border:1px solid var(--line);border-radius:12px;text-decoration:none;background:var(--head)}
.legend{margin:6px 0;padding:0;list-style:none;color:var(--muted)}
.badge{display:inline-block;font-size:11px;padding:1px 6px;border-radius:8px;background:#c62828;color:#fff;vertical-align:middle}
.scroll{overflow-x:auto;margin:6px 0 4px}
table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}
thead th{background:var(--head);position:sticky;top:0;cursor:pointer;white-space:nowrap;user-select:none}
thead th[aria-sort=ascending]::after{content:" \\25B2"}
thead th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.ci{color:var(--muted);font-size:12px}
tr.k-ceiling td{background:var(--ceil)}
tr.k-baseline td{background:var(--base)}
.kind{font-size:11px;color:var(--muted)}
.gallery{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}
figure{margin:0;max-width:420px;border:1px solid var(--line);padding:6px;background:#fafbfc}
figure img{max-width:100%;height:auto;display:block}
figcaption{font-size:12px;color:var(--muted);margin-top:4px;word-break:break-all}
ul.notes{color:var(--muted);font-size:12px;padding-left:18px}
footer{margin:30px auto 20px;color:var(--muted);font-size:12px}
"""

SCRIPT = r"""
(function () {
  "use strict";
  function key(td) { var v = td.getAttribute("data-sort"); return v === null ? td.textContent.trim() : v; }
  function isNum(v) { return v !== "" && !isNaN(Number(v)); }
  function sortBy(table, col, dir) {
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    var th = table.tHead.rows[0].cells[col], numeric = th.getAttribute("data-type") === "num";
    rows.forEach(function (r, i) { r.lbIndex = i; });
    rows.sort(function (a, b) {
      var x = key(a.cells[col]), y = key(b.cells[col]);
      if (numeric) {
        var ex = !isNum(x), ey = !isNum(y);
        if (ex || ey) { return ex === ey ? a.lbIndex - b.lbIndex : (ex ? 1 : -1); }
        var d = Number(x) - Number(y);
        return d !== 0 ? d * dir : a.lbIndex - b.lbIndex;
      }
      var c = x.localeCompare(y, undefined, {numeric: true});
      return c !== 0 ? c * dir : a.lbIndex - b.lbIndex;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
  }
  function onClick(event) {
    var th = event.currentTarget, table = th.closest("table"), now = th.getAttribute("aria-sort"), dir;
    if (now === "descending") { dir = 1; } else if (now === "ascending") { dir = -1; }
    else { dir = th.getAttribute("data-type") === "num" && th.getAttribute("data-lower") !== "1" ? -1 : 1; }
    sortBy(table, th.cellIndex, dir);
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (t) {
    Array.prototype.forEach.call(t.tHead.rows[0].cells, function (th) { th.addEventListener("click", onClick); });
  });
  function numbers(table, col) {
    return Array.prototype.map.call(table.tBodies[0].rows, function (r) { return key(r.cells[col]); });
  }
  function ordered(values, dir) {
    var seenBlank = false, last = null;
    for (var i = 0; i < values.length; i++) {
      if (!isNum(values[i])) { seenBlank = true; continue; }
      if (seenBlank) { return false; }
      var v = Number(values[i]);
      if (last !== null && (v - last) * dir < 0) { return false; }
      last = v;
    }
    return true;
  }
  function selfCheck() {
    var checked = 0, ok = true;
    Array.prototype.forEach.call(tables, function (t) {
      var heads = t.tHead.rows[0].cells, col = -1;
      for (var i = 0; i < heads.length && col < 0; i++) {
        if (heads[i].getAttribute("data-type") === "num" && numbers(t, i).filter(isNum).length > 1) { col = i; }
      }
      if (col < 0) { return; }
      var before = Array.prototype.slice.call(t.tBodies[0].rows);
      heads[col].dispatchEvent(new MouseEvent("click", {bubbles: true}));
      var first = heads[col].getAttribute("aria-sort") === "ascending" ? 1 : -1;
      ok = ok && ordered(numbers(t, col), first);
      heads[col].dispatchEvent(new MouseEvent("click", {bubbles: true}));
      ok = ok && ordered(numbers(t, col), -first) && heads[col].getAttribute("aria-sort") === (first > 0 ? "descending" : "ascending");
      before.forEach(function (r) { t.tBodies[0].appendChild(r); });
      heads[col].removeAttribute("aria-sort");
      checked += 1;
    });
    return {checked: checked, ok: ok};
  }
  window.addEventListener("load", function () {
    var images = Array.prototype.slice.call(document.images), broken = [];
    images.forEach(function (img) { if (!(img.complete && img.naturalWidth > 0)) { broken.push(img.getAttribute("src")); } });
    var boards = document.querySelectorAll("table.board"), rows = 0;
    Array.prototype.forEach.call(boards, function (t) { rows += t.tBodies[0].rows.length; });
    var sort = selfCheck();
    document.getElementById("lb-status").textContent = JSON.stringify({
      tables: tables.length, boards: boards.length, rows: rows, images: images.length,
      loaded: images.length - broken.length, broken: broken, sort_checked: sort.checked, sort_ok: sort.ok
    });
  });
})();
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _href(path: str) -> str:
    return _e(quote(path, safe="/"))


def render_html(page: Page) -> str:
    """The whole page as text (the same page gives the same bytes)."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f'<meta name="generator" content="{GENERATOR}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>emozoo leaderboard</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        "<h1>emozoo leaderboard</h1>",
        f'<p class="summary">{_summary(page)}</p>',
        f'<p class="muted">Cells: mean [±95 % CI half-width], percent metrics in percent; hover a value for its sample '
        f"std. Click a column header to sort. Statistics: {_e(CONVENTION)}.</p>",
        '<ul class="legend">' + "".join(f"<li><b>{k}</b>: {_e(v)}</li>" for k, v in KINDS.items()) + "</ul>",
        "<nav><ul>" + "".join(f'<li><a href="#{s.anchor}">{_e(s.title)} ({len(s.lines)})</a></li>' for s in page.sections)
        + ('<li><a href="#not-shown">not shown</a></li>' if _has_gaps(page) else "") + "</ul></nav>",
        "</header>",
        "<main>",
    ]
    for section in page.sections:
        out += _section(section)
    if _has_gaps(page):
        out += _not_shown(page)
    out += [
        "</main>",
        f"<footer>Built by <code>emozoo leaderboard</code> from {_e(', '.join(page.roots))}"
        + (f"; {_e(page.stamp)}" if page.stamp else "") + '. Markdown twin: <a href="index.md">index.md</a>.</footer>',
        '<pre id="lb-status" hidden></pre>',
        f"<script>{SCRIPT}</script>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(out)


def _summary(page: Page) -> str:
    return _e(f"{len(page.sections)} data sets · {page.rows} rows · {page.images} plots, from {page.results} results.json files"
              + (f" ({len(page.skipped)} not shown)" if page.skipped else ""))


def _has_gaps(page: Page) -> bool:
    return bool(page.skipped) or any(s.missing for s in page.sections)


def _section(s: Section) -> list[str]:
    badge = ' <span class="badge">SYNTHETIC data, not real</span>' if s.synthetic else ""
    out = [f'<section id="{_e(s.anchor)}">', f"<h2>{_e(s.title)}{badge}</h2>"]
    meta = []
    if s.names:
        meta.append(_e("; ".join(s.names)))
    if s.licences:
        meta.append("data licence: " + _e(" | ".join(s.licences)))
    if s.headline:
        meta.append(f"headline metric: <b>{_e(s.headline)}</b>")
    if meta:
        out.append(f'<p class="meta">{" · ".join(meta)}</p>')
    out += _board(s)
    if s.comparisons:
        out += ["<h3>Paper / ours / gap</h3>", *_comparisons(s)]
    if s.checks:
        out += ["<h3>Generated-data checks</h3>", *_checks(s)]
    if s.figures or s.missing:
        out.append("<h3>Plots</h3>")
    if s.figures:
        out.append('<div class="gallery">')
        for f in s.figures:
            size = f' width="{f.width}" height="{f.height}"' if f.width and f.height else ""
            out.append(f'<figure><a href="{_href(f.src)}"><img src="{_href(f.src)}" alt="{_e(f.name)}"{size}></a>'
                       f"<figcaption><code>{_e(f.name)}</code> · {_e(f.source)}</figcaption></figure>")  # fmt: skip
        out.append("</div>")
    if s.missing:
        items = "".join(f"<li>missing plot: <code>{_e(m)}</code> ({_e(src)})</li>" for src, m in s.missing)
        out.append(f'<ul class="notes">{items}</ul>')
    if s.notes:
        out.append('<h3>Notes</h3><ul class="notes">' + "".join(f"<li>{_e(n)} <i>({_e(src)})</i></li>" for src, n in s.notes) + "</ul>")
    out.append(f'<p class="meta">From: {", ".join(f"<code>{_e(x)}</code>" for x in s.sources)}</p>')
    out.append("</section>")
    return out


def _th(text: str, numeric: bool = False, lower: bool = False, title: str = "") -> str:
    attrs = ' data-type="num"' if numeric else ""
    attrs += ' data-lower="1"' if lower else ""
    attrs += f' title="{_e(title)}"' if title else ""
    return f"<th{attrs}>{_e(text)}</th>"


def _metric_cells(line: Line, columns: tuple[str, ...]) -> str:
    cells = []
    for name in columns:
        stat = line.row.metrics.get(name)
        if stat is None:
            cells.append('<td class="num" data-sort=""></td>')
            continue
        text = value_text(name, stat)
        main, _, ci = text.partition(" [")
        ci_html = f' <span class="ci">[{_e(ci)}</span>' if ci else ""
        cells.append(f'<td class="num" data-sort="{stat.mean!r}" title="{_e(value_title(name, stat))}">{_e(main)}{ci_html}</td>')
    return "".join(cells)


def _short(licence: str, limit: int = 40) -> str:
    """A licence cut before its parenthesised comment when long (the whole text is the hover title)."""
    return licence if len(licence) <= limit else licence.split(" (")[0][:limit] + " …"


def _sources(line: Line) -> str:
    return "<br>".join(f"<code>{_e(short_source(x))}</code>" for x in line.sources)


def _n(line: Line) -> str:
    n, units = line.row.n, line.row.units
    if n is None:
        return '<td class="num" data-sort=""></td>'
    return f'<td class="num" data-sort="{n}">{n}' + (f' <span class="ci">({units})</span>' if units is not None else "") + "</td>"


def _board(s: Section) -> list[str]:
    head = [_th("benchmark"), _th("method"), _th("condition"), _th("kind"), _th("protocol"),
            _th("cells (units)", True, title="(fold, seed) cells, and the independent units the interval is over")]  # fmt: skip
    head += [_th(c, True, lower_is_better(c), "mean [±95 % CI]" + (" · lower is better" if lower_is_better(c) else ""))
             for c in s.columns]
    head += [_th("card"), _th("licence")]
    out = ['<div class="scroll"><table class="sortable board">', "<thead><tr>" + "".join(head) + "</tr></thead>", "<tbody>"]
    for line in s.lines:
        card = line.card
        card_cell = f'<a class="card" href="{_href("cards/" + card.key + "/" + card.card.name)}"' + (
            f' title="{_e(card.note)}"' if card.note else "") + f">{_e(card.title)}</a>" if card else ""
        short = _short(card.licence) if card else ""
        title = f' title="{_e(card.licence)}"' if card and short != card.licence else ""
        if card and card.licence_file is not None:
            href = _href(f"cards/{card.key}/{card.licence_file.name}")
            licence = f'<a class="licence" href="{href}"{title}>{_e(short or card.licence_file.name)}</a>'
        else:
            licence = f"<span{title}>{_e(short)}</span>" if card else ""
        out.append(
            f'<tr class="k-{line.row.kind}"><td>{_sources(line)}</td><td>{_e(line.method)}</td><td>{_e(line.row.label)}</td>'
            f'<td><span class="kind">{_e(line.row.kind)}</span></td><td>{_e(line.protocol or "")}</td>{_n(line)}'
            f"{_metric_cells(line, s.columns)}<td>{card_cell}</td><td>{licence}</td></tr>"
        )
    out += ["</tbody></table></div>"]
    return out


def _comparisons(s: Section) -> list[str]:
    head = [_th("method"), _th("metric"), _th("paper", True), _th("ours", True), _th("gap", True), _th("paper data"),
            _th("source of the paper number"), _th("our data"), _th("benchmark")]  # fmt: skip
    out = ['<div class="scroll"><table class="sortable comparisons">', "<thead><tr>" + "".join(head) + "</tr></thead>", "<tbody>"]
    for c, source in s.comparisons:
        cells = [_e(c.method), _e(c.metric)]
        nums = "".join(
            f'<td class="num" data-sort="{"" if v is None else repr(v)}">{"–" if v is None else _e(fmt.format(v))}</td>'
            for v, fmt in ((c.paper, "{:g}"), (c.ours, "{:.2f}"), (c.gap, "{:+.2f}"))
        )
        out.append(f"<tr><td>{cells[0]}</td><td>{cells[1]}</td>{nums}<td>{_e(c.paper_dataset)}</td><td>{_e(c.paper_source or '–')}</td>"
                   f"<td>{_e(c.data_note)}</td><td><code>{_e(source)}</code></td></tr>")  # fmt: skip
    out.append("</tbody></table></div>")
    return out


def _checks(s: Section) -> list[str]:
    head = [_th("benchmark"), _th("method"), _th("condition"), _th("cells (units)", True)]
    head += [_th(c, True, lower_is_better(c), "mean [±95 % CI]") for c in s.check_columns]
    out = ['<div class="scroll"><table class="sortable checks">', "<thead><tr>" + "".join(head) + "</tr></thead>", "<tbody>"]
    for line in s.checks:
        out.append(f"<tr><td>{_sources(line)}</td><td>{_e(line.method)}</td><td>{_e(line.row.label)}</td>{_n(line)}"
                   f"{_metric_cells(line, s.check_columns)}</tr>")  # fmt: skip
    out.append("</tbody></table></div>")
    return out


def _not_shown(page: Page) -> list[str]:
    out = ['<section id="not-shown">', "<h2>Not shown</h2>"]
    if page.skipped:
        out += ['<p class="meta">Results files the leaderboard could not read, and why.</p>',
                '<table class="sortable skipped"><thead><tr>' + _th("results file") + _th("why it is not shown")
                + "</tr></thead><tbody>"]  # fmt: skip
        out += [f"<tr><td><code>{_e(s.source)}</code></td><td>{_e(s.reason)}</td></tr>" for s in page.skipped]
        out.append("</tbody></table>")
    missing = [(sec.title, src, m) for sec in page.sections for src, m in sec.missing]
    if missing:
        out += ["<h3>Missing plots</h3>", '<ul class="notes">'
                + "".join(f"<li><code>{_e(m)}</code> ({_e(src)}, {_e(t)})</li>" for t, src, m in missing) + "</ul>"]  # fmt: skip
    out.append("</section>")
    return out
