"""``emozoo leaderboard``: the subcommand (registered by emozoo/cli.py), a thin layer over :func:`build_leaderboard`."""

from __future__ import annotations

import argparse
import json


def add_parser(sub: object) -> None:
    """Register ``leaderboard`` on the CLI's subparsers."""
    p = sub.add_parser(  # type: ignore[attr-defined]
        "leaderboard", help="every recorded results.json as one static HTML page (and its Markdown twin)")
    p.add_argument("--results", action="append", metavar="DIR", help="a folder of results.json files, searched "
                   "recursively (repeatable; default: the checkout's benchmarks/results)")  # fmt: skip
    p.add_argument("--out", metavar="DIR",
                   help="where index.html, index.md, img/ and cards/ go (default: the checkout's benchmarks/leaderboard)")
    p.add_argument("--stamp", help="text for the page's footer, e.g. a date (none by default: the same results give the same bytes)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from emozoo.leaderboard.build import build_leaderboard

    board = build_leaderboard(args.results, args.out, stamp=args.stamp)
    if args.json:
        print(json.dumps({
            "html": str(board.html), "markdown": str(board.markdown), "datasets": board.datasets, "rows": board.rows,
            "images": board.images, "results": board.results, "missing_images": list(board.missing),
            "skipped": [{"source": s.source, "reason": s.reason} for s in board.skipped],
        }, indent=2, sort_keys=True))  # fmt: skip
        return 0
    print(board.html)
    print(board.markdown)
    print(board.summary())
    for skipped in board.skipped:
        print(f"not shown: {skipped.source}: {skipped.reason}")
    return 0
