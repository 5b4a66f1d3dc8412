"""Every ``results.json`` under the results folders, read into sources and grouped by data set; what cannot be read
is kept with the reason, for the page's "not shown" list."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emozoo.leaderboard import images, layouts
from emozoo.leaderboard.records import Block, Skipped, Source

RESULTS_NAME = "results.json"


@dataclass
class DataSet:
    """The blocks of one data set (or, for files that name none, of one results folder), with their images."""

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    named: bool = True

    @property
    def synthetic(self) -> bool:
        return any(b.synthetic for b in self.blocks)

    @property
    def headline(self) -> str | None:
        """The data set's headline metric as its benchmarks record it (the first that names one)."""
        return next((b.headline for b in self.blocks if b.headline), None)


@dataclass
class Collection:
    sources: list[Source]
    skipped: list[Skipped]
    datasets: list[DataSet]


def find(roots: Sequence[Path]) -> list[tuple[str, Path]]:
    """``(label, path)`` of every results.json under ``roots``, in a fixed order, each file once (roots may nest); the
    label is the path under its root (prefixed by the root's folder name when there are several roots)."""
    out, seen, files = [], set(), set()
    for root in roots:
        prefix = f"{root.name}/" if len(roots) > 1 else ""
        for path in sorted(root.rglob(RESULTS_NAME), key=lambda p: p.relative_to(root).as_posix()):
            if not path.is_file() or any(part.startswith(".") for part in path.relative_to(root).parts) or path in files:
                continue
            files.add(path)
            label = prefix + path.relative_to(root).as_posix()
            while label in seen:
                label = "+" + label  # two roots with one folder name
            seen.add(label)
            out.append((label, path))
    return out


def _load(path: Path) -> Any:
    """The parsed JSON of ``path``; ValueError with a reader's reason when it cannot be read."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ValueError(f"unreadable ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    except RecursionError as exc:
        raise ValueError("not valid JSON (nested too deeply)") from exc


def collect(roots: Sequence[Path]) -> Collection:
    """Read every results.json under ``roots``; sources in path order, data sets by id (unnamed folders last)."""
    found = find(roots)
    by_path = {path: label for label, path in found}
    result_dirs = {path.parent for _, path in found}
    parsed: dict[Path, Any] = {}
    problems: dict[Path, str] = {}
    for _, path in found:
        try:
            parsed[path] = _load(path)
        except ValueError as exc:
            problems[path] = str(exc)

    def stage(folder: Path):
        def lookup(name: str) -> tuple[str, Any] | None:
            path = folder / name / RESULTS_NAME
            return (by_path[path], parsed[path]) if path in parsed else None
        return lookup

    sources, skipped = [], []
    for label, path in found:
        if path in problems:
            skipped.append(Skipped(label, problems[path]))
            continue
        data = parsed[path]
        layout = layouts.detect(data)
        if layout is None:
            skipped.append(Skipped(label, f"not a layout the leaderboard reads ({layouts.describe_keys(data)})"))
            continue
        try:
            blocks, notes = layouts.read(layout, data, label, stage(path.parent))
        except (layouts.LayoutError, KeyError, TypeError, AttributeError) as exc:
            reason = str(exc) if isinstance(exc, layouts.LayoutError) else f"{type(exc).__name__}: {exc}"
            skipped.append(Skipped(label, f"a {layout} file that breaks its layout: {reason}"))
            continue
        listed = _plots(data)
        found_images, missing, left_out = images.pictures(path.parent, listed, result_dirs)
        notes += [f"left out {name}: beside results.json but not in its plots list (an earlier run's?)" for name in left_out]
        sources.append(Source(label, path, layout, tuple(blocks), tuple(found_images), tuple(missing), tuple(notes)))
    return Collection(sources, skipped, group(sources))


def _plots(data: dict[str, Any]) -> list[str] | None:
    """The file's list of the plots it wrote (runner and wrapped layouts), None when it keeps none."""
    for holder in (data, data.get("bench")):
        if isinstance(holder, dict) and isinstance(holder.get("plots"), list):
            return [str(p) for p in holder["plots"]]
    return None


def group(sources: Sequence[Source]) -> list[DataSet]:
    """Blocks by data set id; a block that names none goes with its results folder (the top folder of its label)."""
    groups: dict[str, DataSet] = {}
    for source in sources:
        keys = []
        for block in source.blocks:
            if block.dataset:
                key, title, named = block.dataset, block.dataset, True
            else:
                folder = source.label.split("/")[0] if "/" in source.label else "."
                key, title, named = f"~{folder}", f"{folder}/ (data set not named in its results.json)", False
            data = groups.setdefault(key, DataSet(key, title, named=named))
            data.blocks.append(block)
            keys.append(key)
        for key in dict.fromkeys(keys):
            groups[key].sources.append(source)
    for source in sources:
        if not source.blocks and (source.images or source.missing):  # every stage shown from elsewhere: images follow them
            for key in _stage_keys(source, sources):
                groups[key].sources.append(source)
    return sorted(groups.values(), key=lambda d: (not d.named, d.key))


def _stage_keys(source: Source, sources: Sequence[Source]) -> list[str]:
    """The data sets of the results.json files under ``source``'s folder (where its stages are shown from)."""
    folder = source.label.rsplit("/", 1)[0] + "/" if "/" in source.label else ""
    keys = [b.dataset for s in sources if s is not source and s.label.startswith(folder) for b in s.blocks if b.dataset]
    return list(dict.fromkeys(keys))
