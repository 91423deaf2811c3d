#!/usr/bin/env bash
# The test suite, then hwsdk's conformance kit against every first-party target and the template
# plugin (reports in reports/conformance-*.md). Run scripts/setup.sh first.
# Extra arguments go to the main pytest run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
"$PY" -m pytest -n 2 -q -p no:cacheprovider "$@"
mkdir -p reports
kit() {
  local name=$1; shift
  echo "== conformance kit: $name"
  "$PY" -m pytest -n 2 -q -p no:cacheprovider \
    --hwsdk-report "reports/conformance-${name//:/-}.md" "$@"
}
kit cpu --hwsdk-target cpu
kit intel --hwsdk-target intel:cpu
kit gaudi --hwsdk-target gaudi:gaudi2
kit inferentia --hwsdk-target inferentia:inf2
kit nvidia-sm_90 --hwsdk-target nvidia:sm_90 --hwsdk-option emulate=true --hwsdk-ignore-probe
kit rocm-gfx942 --hwsdk-target rocm:gfx942 --hwsdk-option emulate=true --hwsdk-ignore-probe
