"""The leaderboard's Markdown twin (``index.md``): the same sections, tables, plots and links as the HTML page."""

from __future__ import annotations

from urllib.parse import quote

from emozoo.bench.report import CONVENTION, md_cell
from emozoo.leaderboard.html import KINDS
from emozoo.leaderboard.page import Line, Page, Section, short_source, value_text


def _link(text: str, path: str) -> str:
    return f"[{md_cell(text)}]({quote(path, safe='/')})"


def render_markdown(page: Page) -> str:
    """The whole twin as text (the same page gives the same bytes)."""
    out = ["# emozoo leaderboard", "",
           f"{len(page.sections)} data sets · {page.rows} rows · {page.images} plots, from {page.results} results.json files"
           + (f" ({len(page.skipped)} not shown)" if page.skipped else "") + ". The same page as HTML: [index.html](index.html).", "",
           f"Cells: mean [±95 % CI half-width], percent metrics in percent. Statistics: {CONVENTION}.", ""]  # fmt: skip
    out += [f"- **{kind}**: {text}" for kind, text in KINDS.items()] + [""]
    out += [f"- [{md_cell(s.title)}](#{s.anchor}) ({len(s.lines)} rows)" for s in page.sections] + [""]
    for section in page.sections:
        out += _section(section)
    if page.skipped or any(s.missing for s in page.sections):
        out += ['<a id="not-shown"></a>', "", "## Not shown", ""]
        if page.skipped:
            out += ["| results file | why it is not shown |", "|---|---|"]
            out += [f"| {md_cell(s.source)} | {md_cell(s.reason, limit=600)} |" for s in page.skipped] + [""]
        out += [f"- missing plot: {md_cell(m)} ({md_cell(src)}, {md_cell(sec.title)})" for sec in page.sections for src, m in sec.missing]
        out.append("")
    out += [f"Built by `emozoo leaderboard` from {md_cell(', '.join(page.roots))}" + (f"; {md_cell(page.stamp)}" if page.stamp else "") + ".", ""]
    return "\n".join(out)


def _section(s: Section) -> list[str]:
    out = [f'<a id="{s.anchor}"></a>', "", f"## {md_cell(s.title)}" + (" (SYNTHETIC data, not real)" if s.synthetic else ""), ""]
    meta = [md_cell("; ".join(s.names))] if s.names else []
    if s.licences:
        meta.append("data licence: " + md_cell(" | ".join(s.licences), limit=600))
    if s.headline:
        meta.append(f"headline metric: **{md_cell(s.headline)}**")
    if meta:
        out += [" · ".join(meta), ""]
    header = ["benchmark", "method", "condition", "kind", "protocol", "cells (units)", *s.columns, "card", "licence"]
    out += ["| " + " | ".join(md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    out += [_board_line(line, s.columns) for line in s.lines] + [""]
    if s.comparisons:
        out += ["### Paper / ours / gap", "", "| method | metric | paper | ours | gap | paper data | our data | benchmark |",
                "|---|---|---|---|---|---|---|---|"]  # fmt: skip
        for c, source in s.comparisons:
            nums = ["–" if v is None else fmt.format(v) for v, fmt in ((c.paper, "{:g}"), (c.ours, "{:.2f}"), (c.gap, "{:+.2f}"))]
            out.append("| " + " | ".join([md_cell(c.method), md_cell(c.metric), *nums, md_cell(c.paper_dataset), md_cell(c.data_note),
                                          md_cell(source)]) + " |")  # fmt: skip
        out.append("")
    if s.checks:
        header = ["benchmark", "method", "condition", "cells (units)", *s.check_columns]
        out += ["### Generated-data checks", "", "| " + " | ".join(md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
        for line in s.checks:
            cells = [_sources(line), md_cell(line.method), md_cell(line.row.label), _n(line), *_values(line, s.check_columns)]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    if s.figures:
        out += ["### Plots", ""]
        out += [f"![{md_cell(f.name)}]({quote(f.src, safe='/')})  \n`{md_cell(f.name)}` · {md_cell(f.source)}" for f in s.figures]
        out.append("")
    out += [f"- missing plot: {md_cell(m)} ({md_cell(src)})" for src, m in s.missing]
    if s.notes:
        out += ["### Notes", ""] + [f"- {md_cell(n, limit=600)} ({md_cell(src)})" for src, n in s.notes]
    out += ["", "From: " + ", ".join(md_cell(x) for x in s.sources), ""]
    return out


def _values(line: Line, columns: tuple[str, ...]) -> list[str]:
    return [md_cell(value_text(c, line.row.metrics[c])) if c in line.row.metrics else "" for c in columns]


def _sources(line: Line) -> str:
    return md_cell(", ".join(short_source(x) for x in line.sources))


def _n(line: Line) -> str:
    if line.row.n is None:
        return ""
    return f"{line.row.n}" + (f" ({line.row.units})" if line.row.units is not None else "")


def _board_line(line: Line, columns: tuple[str, ...]) -> str:
    card = line.card
    card_cell = _link(card.title, f"cards/{card.key}/{card.card.name}") if card else ""
    if card and card.licence_file is not None:
        licence = _link(card.licence or card.licence_file.name, f"cards/{card.key}/{card.licence_file.name}")
    else:
        licence = md_cell(card.licence) if card else ""
    cells = [_sources(line), md_cell(line.method), md_cell(line.row.label), line.row.kind, md_cell(line.protocol or ""), _n(line),
             *_values(line, columns), card_cell, licence]  # fmt: skip
    return "| " + " | ".join(cells) + " |"
