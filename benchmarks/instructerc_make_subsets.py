"""Write the bundled MELD / EmoryNLP subsets (first N dialogues of each upstream split, rows verbatim).

    python benchmarks/instructerc_make_subsets.py --src /work/shared/data --dst data
"""

from __future__ import annotations

import argparse
import csv
import shutil
from pathlib import Path

SIZES = {"train": 40, "dev": 15, "test": 30}
SETS = {
    "meld": ({"train": "train_sent_emo.csv", "dev": "dev_sent_emo.csv", "test": "test_sent_emo.csv"}, ("Dialogue_ID",)),
    "emorynlp": (
        {"train": "emorynlp_train_final.csv", "dev": "emorynlp_dev_final.csv", "test": "emorynlp_test_final.csv"},
        ("Season", "Episode", "Scene_ID"),
    ),
}


def subset(src: Path, dst: Path, key: tuple[str, ...], n: int) -> tuple[int, int]:
    """Copy the rows of the first ``n`` dialogues (by first appearance) of ``src`` to ``dst``; returns (dialogues, rows)."""
    with src.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    keep: list[tuple[str, ...]] = []
    for r in rows:
        k = tuple(r[c] for c in key)
        if k not in keep:
            keep.append(k)
    chosen = set(keep[:n])
    out = [r for r in rows if tuple(r[c] for c in key) in chosen]
    with dst.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(out)
    return len(chosen), len(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--src", type=Path, default=Path("/work/shared/data"))
    ap.add_argument("--dst", type=Path, default=Path(__file__).resolve().parents[1] / "data")
    args = ap.parse_args()
    for name, (files, key) in SETS.items():
        out = args.dst / f"{name}-subset"
        out.mkdir(parents=True, exist_ok=True)
        lines = []
        for split, fname in files.items():
            d, r = subset(args.src / name / fname, out / fname, key, SIZES[split])
            lines.append(f"- {split}: `{fname}`, the first {d} dialogues of the upstream file ({r} utterances), rows verbatim")
        shutil.copyfile(args.src / name / "LICENSE", out / "LICENSE")
        source = (args.src / name / "SOURCE.md").read_text(encoding="utf-8")
        note = (
            "\n## This subset (bundled with emozoo for tests and the InstructERC demo)\n\n"
            "Made by `benchmarks/instructerc_make_subsets.py` from the files described above; same licence (LICENSE beside this file).\n"
            + "\n".join(lines)
            + "\n"
        )
        (out / "SOURCE.md").write_text(source.rstrip("\n") + "\n" + note, encoding="utf-8")
        print(out, *lines, sep="\n")


if __name__ == "__main__":
    main()
