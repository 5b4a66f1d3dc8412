#!/usr/bin/env bash
# The main job: set everything up on a fresh machine, then show the zoo (python -m emozoo.showcase): one released model
# per modality pulled from the embedded Hub and scored on its held-out data with intervals, one short fresh augmentation
# benchmark beside its baselines, and the leaderboard page of every recorded result.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
bash scripts/setup.sh
. .venv/bin/activate
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
python -m emozoo.showcase "$@"
echo "main job: done in $((SECONDS - start)) s (set-up included)"
