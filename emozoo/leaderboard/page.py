"""The page both renderers draw: per data set the leaderboard lines, the paper / ours / gap lines, the generated-data
checks and the figures, in a fixed order, plus every file the page needs copied beside it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from emozoo.bench.report import format_value
from emozoo.leaderboard.collect import Collection, DataSet
from emozoo.leaderboard.images import image_size
from emozoo.leaderboard.links import Card, CardFinder
from emozoo.leaderboard.records import Block, Comparison, Row, Skipped, Stat
from emozoo.metrics import canonical, ordered

#: Metrics where lower is better (errors and distances); the others sort best-first from the top.
_LOWER = re.compile(r"(MAE|RMSE|MSE|MMD|FID|KID|seconds|worse)", re.I)


def lower_is_better(metric: str) -> bool:
    """Whether a smaller ``metric`` is the better one (errors, distances, times)."""
    return bool(_LOWER.search(metric))


@dataclass(frozen=True)
class Line:
    """A table line: a row, the results it comes from (the first, then any that recorded the same numbers) and its card."""

    row: Row
    sources: tuple[str, ...]
    protocol: str | None
    card: Card | None
    block: int = 0  # the index of the first block it comes from, within its data set

    @property
    def method(self) -> str:
        return self.row.method or "—"


@dataclass(frozen=True)
class Figure:
    src: str  # path under the output folder
    name: str
    source: str
    width: int
    height: int


@dataclass(frozen=True)
class Section:
    """One data set."""

    anchor: str
    title: str
    names: tuple[str, ...]
    synthetic: bool
    licences: tuple[str, ...]
    headline: str | None
    columns: tuple[str, ...]
    lines: tuple[Line, ...]
    check_columns: tuple[str, ...]
    checks: tuple[Line, ...]
    comparisons: tuple[tuple[Comparison, str], ...]
    figures: tuple[Figure, ...]
    missing: tuple[tuple[str, str], ...]
    notes: tuple[tuple[str, str], ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Page:
    sections: tuple[Section, ...]
    skipped: tuple[Skipped, ...]
    roots: tuple[str, ...]
    results: int  # results.json files read
    stamp: str | None = None
    assets: dict[str, Path] = field(default_factory=dict)  # path under the output folder -> file to copy there

    @property
    def rows(self) -> int:
        """Leaderboard rows (the generated-data checks not counted)."""
        return sum(len(s.lines) for s in self.sections)

    @property
    def images(self) -> int:
        return sum(len(s.figures) for s in self.sections)


def short_source(label: str) -> str:
    """A results.json's label without the file name: 'face/recognition', 'text/multistep › meld'."""
    return label.replace("/results.json", "").removesuffix("results.json") or "."


def value_text(metric: str, stat: Stat) -> str:
    """'35.55 [±2.10]': the mean and the recorded 95 % CI half-width, percent metrics in percent."""
    text = format_value(metric, stat.mean)
    return text if stat.ci95 is None else f"{text} [±{format_value(metric, stat.ci95)}]"


def value_title(metric: str, stat: Stat) -> str:
    """The hover text of a value: mean ± std and what the bracket is."""
    parts = [f"{metric}: mean {format_value(metric, stat.mean)}"]
    if stat.std is not None:
        parts.append(f"sample std {format_value(metric, stat.std)}")
    parts.append("no interval (one unit, or a single value)" if stat.ci95 is None else f"95 % CI ±{format_value(metric, stat.ci95)}")
    return "; ".join(parts)


def build_page(collection: Collection, finder: CardFinder, roots: tuple[str, ...], stamp: str | None = None) -> Page:
    """The page of ``collection``: sections in the collection's order; in each, the lines of one benchmark together
    (benchmarks in path order: different benchmarks of a data set may use other folds or subsets), best-first."""
    assets: dict[str, Path] = {}
    sections = tuple(_section(d, finder, assets) for d in collection.datasets)
    return Page(sections, tuple(collection.skipped), roots, len(collection.sources) + len(collection.skipped), stamp, assets)


def _section(data: DataSet, finder: CardFinder, assets: dict[str, Path]) -> Section:
    headline = canonical(data.headline) if data.headline else None
    lines, checks = _lines(data.blocks, finder)
    for line in (*lines, *checks):
        if line.card is not None:
            for dest, path in line.card.files.items():
                assets[f"cards/{dest}"] = path
    columns = _columns(lines, headline)
    lines.sort(key=lambda line: _rank(line, columns[0] if columns else None))
    figures, missing, notes = [], [], []
    for source in data.sources:
        folder = source.path.parent
        prefix = PurePosixPath(source.label).parent
        for path in source.images:
            dest = (PurePosixPath("img") / prefix / path.relative_to(folder).as_posix()).as_posix()
            assets[dest] = path
            width, height = image_size(path) or (0, 0)
            figures.append(Figure(dest, path.relative_to(folder).as_posix(), source.label, width, height))
        missing += [(source.label, m) for m in source.missing]
        notes += [(source.label, n) for n in source.notes]
    for block in data.blocks:
        notes += [(block.source, n) for n in block.notes]
    comparisons = tuple((c, b.source) for b in data.blocks for c in b.comparisons)
    return Section(
        anchor="ds-" + re.sub(r"[^A-Za-z0-9_-]+", "-", data.key.lstrip("~")) + ("" if data.named else "-unnamed"),
        title=data.title, names=tuple(dict.fromkeys(b.dataset_name for b in data.blocks if b.dataset_name)),
        synthetic=data.synthetic, licences=tuple(dict.fromkeys(b.data_license for b in data.blocks if b.data_license)),
        headline=headline, columns=tuple(columns), lines=tuple(lines), check_columns=tuple(_columns(checks, None)),
        checks=tuple(checks), comparisons=comparisons, figures=tuple(figures), missing=tuple(missing),
        notes=tuple(dict.fromkeys(notes)), sources=tuple(dict.fromkeys(s.label for s in data.sources)),
    )  # fmt: skip


def _lines(blocks: list[Block], finder: CardFinder) -> tuple[list[Line], list[Line]]:
    """Leaderboard and check lines of a data set's blocks; a row recorded with the same numbers by several results
    (a stage's own file and the table script's pooling of it) is one line naming all of them."""
    order: list[tuple] = []
    found: dict[tuple, tuple[Row, list[str], Block, int]] = {}
    for index, block in enumerate(blocks):
        for row in block.rows:
            key = (row.method, row.condition, row.ratio, row.classifier, row.setting, row.n, tuple(sorted(row.metrics.items())))
            if key in found:
                found[key][1].append(block.source)
            else:
                found[key] = (row, [block.source], block, index)
                order.append(key)
    lines, checks = [], []
    for key in order:
        row, sources, block, index = found[key]
        card = finder.find(row.method, block.dataset, block.plugins.get(row.method)) if row.method else None
        line = Line(row, tuple(sources), block.protocol, card, index)
        (checks if row.kind == "check" else lines).append(line)
    return lines, checks


def _columns(lines: list[Line], headline: str | None) -> list[str]:
    """Metric columns: the headline first, then :data:`emozoo.metrics.METRIC_ORDER`; per-class scores ('recall:x')
    stay in each benchmark's results.md."""
    return ordered((name for line in lines for name in line.row.metrics if ":" not in name), headline)


def _rank(line: Line, metric: str | None) -> tuple:
    """Grouped by benchmark (and, for completion, by missing rate); in one, best first by ``metric`` (lines without
    it last), then by method and condition."""
    stat = line.row.metrics.get(metric) if metric else None
    if stat is None:
        score = float("inf")
    else:
        score = stat.mean if lower_is_better(metric or "") else -stat.mean
    rate = line.row.ratio if line.protocol == "completion" and line.row.ratio is not None else -1.0
    return (line.block, rate, score, line.method, line.row.label, line.sources)
