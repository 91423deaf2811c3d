#!/usr/bin/env bash
# The checks that need a real GPU, in one run of at most ~10 minutes (each stage has a limit):
#
#   1. kit     the conformance kit on the detected target (nvidia:sm_90 on an H100/H200),
#              kernels on the GPU: no emulation
#   2. models  the differential model tests (plugins/nvidia/tests/test_models.py) on the GPU
#   3. bench   bench/run_all.py --device cuda: torch eager and torch.compile (inductor) on the
#              GPU against hwsdk on the target
#
# Results: bench/results/gpu.md/.json (the bench), and in $HWSDK_GPU_OUT (bench/results):
# gpu_check.md (device, each stage's command, exit status and time), gpu_conformance.md (the
# kit's report) and gpu_check_logs/<stage>.log.
# Every stage runs even when an earlier one fails; the script exits 1 when any failed.
# Where torch sees no GPU it prints one "gpu_check: no GPU ..." line and exits 0.
#
# Usage: bash scripts/gpu_check.sh [--target NAME:ARCH] [--dry-run]
#   --target   use this target instead of the detected one (e.g. nvidia:sm_90)
#   --dry-run  print the detected target and each stage's command; run nothing
# Stage limits in seconds: HWSDK_GPU_KIT_S (200), HWSDK_GPU_MODELS_S (110),
# HWSDK_GPU_BENCH_S (200). HWSDK_GPU_JOBS: pytest workers for the kit (8; Triton compiles on CPU).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${HWSDK_TEST_PYTHON:-.venv/bin/python}
OUT=${HWSDK_GPU_OUT:-bench/results}
LOGS=$OUT/gpu_check_logs
target=""
dry_run=0

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --target) [ $# -ge 2 ] || { echo "gpu_check: --target needs NAME:ARCH" >&2; exit 2; }
              target=$2; shift 2 ;;
    --target=*) target=${1#--target=}; shift ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "gpu_check: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
if [ -n "$target" ] && [[ ! "$target" =~ ^(nvidia:sm_[0-9]+|rocm:gfx[0-9a-f]+)$ ]]; then
  echo "gpu_check: --target '$target' is not nvidia:sm_NN or rocm:gfxNNN" >&2
  exit 2
fi

# One line from torch: "gpu <target> <device name>" or "none <why>".
detected=$("$PY" - <<'EOF' 2>&1
try:
    import torch
except Exception as exc:  # no torch at all is a reason too
    print(f"none torch cannot be imported ({type(exc).__name__}: {exc})")
    raise SystemExit(0)
if not torch.cuda.is_available():
    print(f"none torch {torch.__version__} sees no CUDA device")
elif getattr(torch.version, "hip", None):
    arch = torch.cuda.get_device_properties(0).gcnArchName.split(":")[0]
    print(f"gpu rocm:{arch} {torch.cuda.get_device_name(0)}")
else:
    major, minor = torch.cuda.get_device_capability(0)
    print(f"gpu nvidia:sm_{major}{minor} {torch.cuda.get_device_name(0)}")
EOF
)
detected=$(printf '%s\n' "$detected" | tail -n 1)
if [ "${detected%% *}" != "gpu" ]; then
  echo "gpu_check: no GPU: ${detected#none }; nothing to check here (exit 0)"
  exit 0
fi
rest=${detected#gpu }
found=${rest%% *}
device=${rest#* }
target=${target:-$found}
backend=cuda
case "$target" in rocm:*) backend=hip ;; esac
echo "gpu_check: $device, target $target (detected $found)"

kit_cmd=("$PY" -m pytest -q -p no:cacheprovider -n "${HWSDK_GPU_JOBS:-8}"
         --hwsdk-target "$target" --hwsdk-report "$OUT/gpu_conformance.md")
models_cmd=("$PY" -m pytest -q -p no:cacheprovider plugins/nvidia/tests/test_models.py)
bench_cmd=("$PY" bench/run_all.py --device cuda --gpu-target "$target"
           --models mlp,gpt2-small,llama-small,bert-base --rounds 30)
if [ "$dry_run" -eq 1 ]; then
  echo "kit:    ${kit_cmd[*]}"
  echo "models: HWSDK_GPU_TARGET=$target ${models_cmd[*]}"
  echo "bench:  ${bench_cmd[*]}"
  exit 0
fi

mkdir -p "$LOGS"
names=()
statuses=()
times=()
failed=0

stage() {  # stage NAME LIMIT_S COMMAND...: run it under its limit, log it, record its status
  local name=$1 limit=$2 start rc
  shift 2
  echo "== $name (limit ${limit}s): $*"
  start=$SECONDS
  # SIGINT first: pytest then still prints what ran; KILL if it ignores that
  timeout --signal=INT --kill-after=15 "$limit" "$@" > "$LOGS/$name.log" 2>&1
  rc=$?
  tail -n 25 "$LOGS/$name.log"
  names+=("$name")
  times+=("$((SECONDS - start))")
  if [ "$rc" -eq 0 ]; then
    statuses+=("passed")
  elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    statuses+=("timed out after ${limit}s (exit $rc)"); failed=1
  else
    statuses+=("failed (exit $rc)"); failed=1
  fi
  echo "== $name: ${statuses[-1]} in ${times[-1]}s"
}

export HWSDK_GPU_TARGET=$target  # the model tests' target
stage kit "${HWSDK_GPU_KIT_S:-200}" "${kit_cmd[@]}"
stage models "${HWSDK_GPU_MODELS_S:-110}" "${models_cmd[@]}"
stage bench "${HWSDK_GPU_BENCH_S:-200}" "${bench_cmd[@]}"

{
  echo "# GPU check: $device"
  echo
  echo "Target \`$target\` (detected \`$found\`, backend $backend), $(date -u '+%Y-%m-%d %H:%M UTC'),"
  echo "\`bash scripts/gpu_check.sh\`. Logs: \`$LOGS/\`."
  echo
  echo "| stage | status | seconds | command |"
  echo "|---|---|---|---|"
  for i in "${!names[@]}"; do
    case "${names[$i]}" in
      kit) cmd="${kit_cmd[*]}" ;; models) cmd="${models_cmd[*]}" ;; *) cmd="${bench_cmd[*]}" ;;
    esac
    echo "| ${names[$i]} | ${statuses[$i]} | ${times[$i]} | \`$cmd\` |"
  done
} > "$OUT/gpu_check.md"

echo "== summary ($device, $target)"
for i in "${!names[@]}"; do
  printf '  %-8s %-34s %ss\n' "${names[$i]}" "${statuses[$i]}" "${times[$i]}"
done
echo "written: $OUT/gpu_check.md, $OUT/gpu_conformance.md, bench/results/gpu.md, $LOGS/"
exit "$failed"
