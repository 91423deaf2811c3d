#!/usr/bin/env bash
# Create .venv and install hwsdk, its first-party plugins and the test tools into it.
# Usage: bash scripts/setup.sh [--with-browser]
#
# Prints a line per step. Idempotent and quick to re-run: torch is installed only when the
# pinned version is missing, and the editable installs run only when a pyproject.toml,
# requirements-extra.txt, the Python or the torch version changed since the last successful run
# (a stamp in .venv/hwsdk-setup.stamp; delete it to force a reinstall).
#
# --with-browser (or HWSDK_INSTALL_BROWSER=1) also installs headless Chromium through apt, for
# the HTML report's browser test; that is system-wide and needs root, so it is opt-in (.ci/run
# opts in). Without it the browser test skips and says why.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
TORCH=2.13.0  # the CPU build (any other torch request pulls a multi-GB CUDA build)
BROWSER=${HWSDK_INSTALL_BROWSER:-0}
for arg in "$@"; do
  case "$arg" in
    --with-browser) BROWSER=1 ;;
    *) echo "setup: unknown argument $arg (usage: bash scripts/setup.sh [--with-browser])" >&2
       exit 2 ;;
  esac
done
step() { echo "setup: $*"; }
START=$SECONDS

if [ -x .venv/bin/python ]; then
  step "virtual environment .venv exists"
else
  step "creating the virtual environment .venv ($("$PY" --version 2>&1))"
  "$PY" -m venv .venv
fi
PIP=(.venv/bin/python -m pip --disable-pip-version-check)

torch_version() {
  .venv/bin/python -c "import importlib.metadata as m; print(m.version('torch'))" 2>/dev/null \
    || true
}
installed_torch=$(torch_version)
if [ "${installed_torch%%+*}" = "$TORCH" ]; then
  step "torch $installed_torch is installed"
else
  step "installing torch $TORCH (CPU build; a few minutes the first time)"
  "${PIP[@]}" install -q "torch==$TORCH"
  installed_torch=$(torch_version)  # as a re-run will read it (2.13.0+cpu)
fi

# What the editable installs depend on: every pyproject, the extra requirements, Python, torch.
stamp_file=.venv/hwsdk-setup.stamp
stamp=$( { sha256sum pyproject.toml plugins/*/pyproject.toml requirements-extra.txt 2>/dev/null \
             || true; .venv/bin/python --version; echo "torch $installed_torch"; } \
         | sha256sum | cut -c1-64)
if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ] && [ -x .venv/bin/hwsdk ]; then
  step "hwsdk, the plugins and the test tools are installed (no pyproject changed)"
else
  rm -f "$stamp_file"
  editables=(-e ".[dev,onnx]")
  for plugin in plugins/*/; do
    [ -f "${plugin}pyproject.toml" ] && editables+=(-e "${plugin%/}")
  done
  step "installing hwsdk, $((${#editables[@]} / 2)) editable packages in all, and the test tools"
  "${PIP[@]}" install -q "${editables[@]}"
  if [ -f requirements-extra.txt ]; then
    step "installing requirements-extra.txt"
    "${PIP[@]}" install -q -r requirements-extra.txt
  fi
  echo "$stamp" > "$stamp_file"
fi

# Bytecode for the editable sources, as pip writes it for a regular install: with
# PYTHONDONTWRITEBYTECODE set, every `hwsdk` call would otherwise recompile them (~70 ms).
# compileall skips files whose bytecode is current.
step "byte-compiling the editable sources"
.venv/bin/python -m compileall -q hwsdk plugins >/dev/null

chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -n "$chromium" ]; then
  step "headless browser found: $chromium"
elif [ "$BROWSER" = 1 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    step "installing Chromium with apt-get (system-wide; asked for with --with-browser)"
    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
      || echo "setup: chromium not installed; the browser test will skip" >&2
  else
    echo "setup: --with-browser needs root and apt-get; install chromium yourself" >&2
  fi
else
  step "no headless browser; the HTML browser test will skip (--with-browser installs one)"
fi

# Fill the capability cache (~/.cache/hwsdk/capabilities), so the first `hwsdk caps` after
# this install reads it instead of building every table (~0.5 s once).
step "filling the capability cache"
.venv/bin/hwsdk caps >/dev/null || echo "setup: hwsdk caps failed; run .venv/bin/hwsdk doctor" >&2
step "done in $((SECONDS - START)) s"
