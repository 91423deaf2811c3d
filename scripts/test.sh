#!/usr/bin/env bash
# The test suite, then hwsdk's conformance kit against every first-party target and the template
# plugin (reports in reports/conformance-*.md). Run scripts/setup.sh first.
# Extra arguments go to the main pytest run.
#
# Every stage runs even when an earlier one fails; the script ends with a summary (stage: passed
# or failed), then repeats the main suite's closing pytest line ("N passed, M failed in T s") as
# its last line, and exits non-zero when any stage failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${HWSDK_TEST_PYTHON:-.venv/bin/python}
mkdir -p reports
log=$(mktemp "${TMPDIR:-/tmp}/hwsdk-test.XXXXXX")
trap 'rm -f "$log"' EXIT
stages=()
results=()
failed=0

record() {  # record NAME STATUS
  stages+=("$1")
  if [ "$2" -eq 0 ]; then results+=("passed"); else results+=("failed (exit $2)"); failed=1; fi
}

echo "== main suite"
"$PY" -m pytest -n 2 -q -p no:cacheprovider "$@" 2>&1 | tee "$log"
record "main suite" "${PIPESTATUS[0]}"
main_line=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1)

kit() {
  local name=$1; shift
  echo "== conformance kit: $name"
  "$PY" -m pytest -n 2 -q -p no:cacheprovider \
    --hwsdk-report "reports/conformance-${name//:/-}.md" "$@"
  record "conformance kit: $name" $?
}
kit cpu --hwsdk-target cpu
kit intel --hwsdk-target intel:cpu
kit gaudi --hwsdk-target gaudi:gaudi2
kit inferentia --hwsdk-target inferentia:inf2
kit nvidia-sm_90 --hwsdk-target nvidia:sm_90 --hwsdk-option emulate=true --hwsdk-ignore-probe
kit rocm-gfx942 --hwsdk-target rocm:gfx942 --hwsdk-option emulate=true --hwsdk-ignore-probe

echo "== summary"
for i in "${!stages[@]}"; do
  printf '  %-34s %s\n' "${stages[$i]}" "${results[$i]}"
done
if [ "$failed" -ne 0 ]; then echo "== some stages failed; the main suite's result:"; fi
echo "$main_line"
exit "$failed"
