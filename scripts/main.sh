#!/usr/bin/env bash
# The main job: set everything up on a fresh machine, then show the survey catalogue merged with the
# installed plugins. (The side-by-side benchmark replaces this once `emozoo bench` lands.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
emozoo list --all
emozoo list
