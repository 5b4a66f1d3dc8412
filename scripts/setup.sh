#!/usr/bin/env bash
# Create .venv (if needed) and install emozoo, its test extras and every plugin under plugins/ into it.
# Torch is pinned to the CPU build that this project's machines carry locally (no CUDA download).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip setuptools wheel
python -m pip install --quiet "torch==2.13.0"
python -m pip install --quiet -e ".[test]"
# All plugins in one pip call, so plugins that depend on each other (e.g. on emozoo-eeg) resolve locally.
plugin_args=()
for plugin in plugins/*/; do
  if [ -f "$plugin/pyproject.toml" ]; then
    plugin_args+=(-e "$plugin")
  fi
done
if [ ${#plugin_args[@]} -gt 0 ]; then
  python -m pip install --quiet "${plugin_args[@]}"
fi
python -m emozoo doctor > /dev/null || { python -m emozoo doctor; exit 1; }
