#!/usr/bin/env bash
# Create .venv (if needed) and install emozoo, its test extras and every plugin under plugins/ into it.
# Torch is pinned to the CPU build that this project's machines carry locally (no CUDA download).
# Prints one line per step and the result; pip's own output goes to .venv/setup.log (shown if a step fails).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
LOG=.venv/setup.log
start=$SECONDS

step() {  # step "what" command...: run quietly, say how long it took, show the log's tail on failure
  local what=$1; shift
  local t0=$SECONDS
  printf 'setup: %s ... ' "$what"
  if "$@" >>"$LOG" 2>&1; then
    echo "ok ($((SECONDS - t0)) s)"
  else
    echo "FAILED"
    echo "---- last lines of $LOG ----"
    tail -n 40 "$LOG"
    exit 1
  fi
}

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
: >"$LOG"
. .venv/bin/activate
step "pip, setuptools, wheel" python -m pip install --upgrade pip setuptools wheel
step "torch 2.13.0 (CPU build)" python -m pip install "torch==2.13.0"
step "emozoo core with test extras" python -m pip install -e ".[test]"
# All plugins in one pip call, so plugins that depend on each other (e.g. on emozoo-eeg) resolve locally.
plugin_args=()
plugin_names=()
for plugin in plugins/*/; do
  if [ -f "$plugin/pyproject.toml" ]; then
    plugin_args+=(-e "$plugin")
    plugin_names+=("$(basename "$plugin")")
  fi
done
if [ ${#plugin_args[@]} -gt 0 ]; then
  step "plugins: ${plugin_names[*]}" python -m pip install "${plugin_args[@]}"
fi
# Ray, an optional extra (emozoo[ray]): tests/test_bench_parallel.py runs benchmark cells on a real local Ray cluster.
step "Ray for emozoo bench --engine ray (emozoo[ray])" python -m pip install -e ".[ray]"
# The embedded Hub (olah, serving releases/ on 127.0.0.1) lives in its own environment: it pins packages emozoo does not.
if [ ! -x .venv-olah/bin/olah-cli ]; then
  step "olah for the embedded Hub (.venv-olah)" bash -c '"$0" -m venv .venv-olah && .venv-olah/bin/python -m pip install olah' "$PYTHON"
fi
step "emozoo doctor" python -m emozoo doctor
python -m emozoo list
echo "setup: done in $((SECONDS - start)) s; activate with: . .venv/bin/activate"
