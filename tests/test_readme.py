"""The README's code runs as written: every ```python and ```bash block is executed, unless the line before it says
``<!-- not run: REASON -->`` (a Hub token, a GPU, the two set-up commands themselves, ...)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.M | re.S)
SKIP = re.compile(r"<!--\s*not run:\s*(.*?)\s*-->\s*$")


def readme_blocks() -> list[tuple[int, str, str, str | None]]:
    """(line, language, code, skip reason) of every python/bash block."""
    text = README.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        lang = match.group(1)
        if lang not in ("python", "bash"):
            continue
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        skip = SKIP.search(before)
        line = text.count("\n", 0, match.start()) + 1
        blocks.append((line, lang, match.group(2), skip.group(1) if skip else None))
    return blocks


BLOCKS = readme_blocks()


def test_every_skipped_block_says_why_and_the_guides_run():
    skipped = [(line, reason) for line, _, _, reason in BLOCKS if reason is not None]
    assert all(reason.strip() for _, reason in skipped)
    runnable = "".join(code for _, _, code, reason in BLOCKS if reason is None)
    for must_run in ("emozoo.load_folds(", "save_pretrained(", "emozoo new-plugin", "ConformanceSuite", "emozoo list --datasets"):
        assert must_run in runnable, f"the README's {must_run!r} example is not executed by this test"


@pytest.mark.parametrize("line,lang,code", [(b[0], b[1], b[2]) for b in BLOCKS if b[3] is None],
                         ids=[f"README.md:{b[0]}" for b in BLOCKS if b[3] is None])
def test_readme_block_runs(tmp_path, line, lang, code):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "EMOZOO_PROGRESS": "0", "OMP_NUM_THREADS": "1"}
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    if lang == "python":
        cmd = [sys.executable, "-c", code]
    else:
        cmd = ["bash", "-euo", "pipefail", "-c", code]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"README.md line {line} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
