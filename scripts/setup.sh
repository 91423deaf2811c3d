#!/usr/bin/env bash
# Create .venv and install hwsdk, its first-party plugins and the test tools into it.
# Idempotent: re-running only installs what is missing. Usage: bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
PIP=".venv/bin/pip"
# The CPU build of torch 2.13.0 (any other torch request pulls a multi-GB CUDA build).
"$PIP" install -q torch==2.13.0
editables=(-e ".[dev,onnx]")
for plugin in plugins/*/; do
  [ -f "${plugin}pyproject.toml" ] && editables+=(-e "${plugin%/}")
done
"$PIP" install -q "${editables[@]}"
if [ -f requirements-extra.txt ]; then "$PIP" install -q -r requirements-extra.txt; fi
# Bytecode for the editable sources, as pip writes it for a regular install: with
# PYTHONDONTWRITEBYTECODE set, every `hwsdk` call would otherwise recompile them (~70 ms).
.venv/bin/python -m compileall -q hwsdk plugins >/dev/null
# Headless Chromium for the HTML report test (skipped with its reason when absent).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
    || echo "setup: chromium not installed; the browser test will skip" >&2
fi
# Fill the capability cache (~/.cache/hwsdk/capabilities), so the first `hwsdk caps` after
# this install reads it instead of building every table (~0.5 s once).
.venv/bin/hwsdk caps >/dev/null || echo "setup: hwsdk caps failed; run .venv/bin/hwsdk doctor" >&2
