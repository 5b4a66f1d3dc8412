"""``build_leaderboard``: read every results.json, render the page and its Markdown twin, and write them with the
images and cards they show into one folder, so it works from ``file://`` with no network.

Writes are atomic per file and ordered so a reader never sees a page that points at a missing file: the copied
images and cards first, then ``index.md``, then ``index.html``; files of an earlier build that this one no longer
shows are removed from ``img/`` and ``cards/`` last. The same inputs give the same bytes (no clock is read; pass
``stamp`` to print one).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from emozoo._fileio import atomic_write_bytes, atomic_write_text
from emozoo.errors import InputError, UnsafePathError
from emozoo.leaderboard.collect import RESULTS_NAME, collect, find
from emozoo.leaderboard.html import GENERATOR, render_html
from emozoo.leaderboard.links import CardFinder
from emozoo.leaderboard.markdown import render_markdown
from emozoo.leaderboard.page import build_page
from emozoo.leaderboard.records import Skipped
from emozoo.release.paths import checkout_root

#: The folders of the output that the leaderboard owns (stale files in them are removed).
OWNED = ("img", "cards")


@dataclass(frozen=True)
class Leaderboard:
    """What a build wrote and what it could not show."""

    html: Path
    markdown: Path
    datasets: int
    rows: int
    images: int
    results: int
    skipped: tuple[Skipped, ...] = ()
    missing: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line: data sets, rows, images, and what is not shown."""
        gaps = [f"{len(self.skipped)} results.json not shown"] if self.skipped else []
        gaps += [f"{len(self.missing)} missing plot(s)"] if self.missing else []
        return (f"{self.datasets} data sets, {self.rows} rows, {self.images} images from {self.results} results.json"
                + (f" ({'; '.join(gaps)})" if gaps else ""))  # fmt: skip


def default_results() -> Path:
    """The checkout's ``benchmarks/results``; InputError when emozoo runs from an installed wheel."""
    root = checkout_root()
    if root is None or not (root / "benchmarks" / "results").is_dir():
        raise InputError("no default results folder: emozoo is not running from a source checkout; pass --results DIR, a "
                         "folder holding the results.json files that `emozoo bench` writes")  # fmt: skip
    return root / "benchmarks" / "results"


def default_out() -> Path:
    """The checkout's ``benchmarks/leaderboard``, else ``./leaderboard``."""
    root = checkout_root()
    return root / "benchmarks" / "leaderboard" if root is not None else Path("leaderboard")


def _roots(results: Sequence[str | os.PathLike[str]] | None) -> list[Path]:
    roots = [Path(r).expanduser() for r in results] if results else [default_results()]
    for root in roots:
        if not root.exists():
            raise InputError(f"results folder {str(root)!r} does not exist; pass --results DIR naming a folder that holds "
                             "results.json files (emozoo bench --out writes one)")  # fmt: skip
        if not root.is_dir():
            hint = f" (--results {root.parent})" if root.name == RESULTS_NAME else ""
            raise InputError(f"{str(root)!r} is not a folder; pass the folder that holds the results.json files{hint}")
    roots = [r.resolve() for r in roots]
    if not find(roots):
        raise InputError(f"no {RESULTS_NAME} under {', '.join(map(str, roots))}; run `emozoo bench ... --out DIR` first, or "
                         "pass --results with the folder it wrote")  # fmt: skip
    return list(dict.fromkeys(roots))


def _out(out: str | os.PathLike[str] | None, roots: list[Path]) -> Path:
    target = (Path(out).expanduser() if out is not None else default_out()).resolve()
    for root in roots:
        if target == root or root in target.parents:
            raise InputError(f"output folder {target} lies inside the results folder {root}, where the next build would read "
                             "its own copies; choose an --out outside it (default: benchmarks/leaderboard)")  # fmt: skip
    if target.exists() and not target.is_dir():
        raise UnsafePathError(f"{target} exists and is not a folder; choose another --out (nothing was written)")
    index = target / "index.html"
    if index.exists() and f'name="generator" content="{GENERATOR}"' not in index.read_text(encoding="utf-8", errors="replace")[:2000]:
        raise UnsafePathError(f"{index} was not written by `emozoo leaderboard`; refusing to replace it. Choose another --out "
                              "(nothing was written)")  # fmt: skip
    return target


def _label(root: Path) -> str:
    checkout = checkout_root()
    if checkout is not None and (root == checkout.resolve() or checkout.resolve() in root.parents):
        return root.relative_to(checkout.resolve()).as_posix()
    return str(root)


def build_leaderboard(results: Sequence[str | os.PathLike[str]] | None = None, out: str | os.PathLike[str] | None = None, *,
                      stamp: str | None = None) -> Leaderboard:  # fmt: skip
    """Write ``index.html``, ``index.md``, ``img/`` and ``cards/`` into ``out`` (default: the checkout's
    benchmarks/leaderboard) from every results.json under ``results`` (default: the checkout's benchmarks/results).

        >>> board = build_leaderboard()
        >>> print(board.html, board.summary())
    """
    roots = _roots(results)
    target = _out(out, roots)
    page = build_page(collect(roots), CardFinder(), tuple(_label(r) for r in roots), stamp)
    html, markdown = render_html(page), render_markdown(page)
    for dest, source in sorted(page.assets.items()):
        _copy(source, target / dest)
    atomic_write_text(target / "index.md", markdown)
    atomic_write_text(target / "index.html", html)
    _remove_stale(target, set(page.assets))
    missing = tuple(f"{src}: {m}" for s in page.sections for src, m in s.missing)
    return Leaderboard(target / "index.html", target / "index.md", len(page.sections), page.rows, page.images, page.results,
                       page.skipped, missing)  # fmt: skip


def _copy(source: Path, dest: Path) -> None:
    """Copy ``source`` to ``dest`` atomically, unless ``dest`` already holds the same bytes."""
    data = source.read_bytes()
    if dest.is_file() and not dest.is_symlink() and dest.stat().st_size == len(data) and dest.read_bytes() == data:
        return
    if dest.is_symlink():
        dest.unlink()
    atomic_write_bytes(dest, data, mode=0o644, fsync=False)


def _remove_stale(target: Path, keep: set[str]) -> None:
    """Files under the owned folders that this build did not write (an earlier build's), and folders left empty."""
    for name in OWNED:
        folder = target / name
        if not folder.is_dir() or folder.is_symlink():
            continue
        for path in sorted(folder.rglob("*"), reverse=True):
            rel = path.relative_to(target).as_posix()
            if path.is_dir() and not path.is_symlink():
                if not any(path.iterdir()):
                    path.rmdir()
            elif rel not in keep:
                path.unlink()
