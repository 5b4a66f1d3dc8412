"""``emozoo leaderboard``: every recorded ``results.json`` as one static HTML page and its Markdown twin.

Per data set: methods × metrics with their 95 % intervals, the protocol's baselines and ceilings, paper / ours / gap,
the generated-data checks, the plots each benchmark wrote, and each row's model card and licence one click away.

    >>> from emozoo.leaderboard import build_leaderboard
    >>> board = build_leaderboard(out="leaderboard")   # every results.json under the checkout's benchmarks/results
    >>> print(board.summary())

Modules: :mod:`~emozoo.leaderboard.layouts` reads each results.json layout, :mod:`~emozoo.leaderboard.collect` finds
and groups them, :mod:`~emozoo.leaderboard.links` finds cards, :mod:`~emozoo.leaderboard.page` assembles the page,
:mod:`~emozoo.leaderboard.html` and :mod:`~emozoo.leaderboard.markdown` render it, :mod:`~emozoo.leaderboard.build`
writes it. Importing the package is free (the CLI registers the subcommand on every start); the names below load
:mod:`~emozoo.leaderboard.build` on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Leaderboard", "build_leaderboard", "default_out", "default_results"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from emozoo.leaderboard import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
