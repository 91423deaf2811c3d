#!/usr/bin/env bash
# Create the virtual environments of bench/llm.py's peers (not needed by hwsdk or its tests).
# Usage: bash bench/setup_peers.sh [ov|ort ...]   (default: both)
#
#   bench/.venv-ov   optimum-intel (OVModelForCausalLM) and openvino-genai (LLMPipeline)
#   bench/.venv-ort  optimum-onnx (ORTModelForCausalLM on ONNX Runtime)
#
# Each peer family pins a transformers older than the project's, so each gets its own venv and
# the project's .venv is never touched. Prints a line per step; idempotent and quick to re-run:
# a venv whose requirements have not changed (a stamp in the venv) and whose imports work is
# left as it is.
#
# torch: only torch==2.13.0 is the CPU build on this machine's disk; any other torch request
# (e.g. one pulled in by torchvision) downloads a multi-GB CUDA build. So torch is installed
# first, the peers with a constraints file pinning it, and torchvision never: optimum-intel
# requires it unconditionally but does not need it for causal LMs, so it is installed with
# --no-deps and its other requirements are listed here by hand.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
TORCH=2.13.0
OPENVINO=2026.4.1  # the project's openvino; genai and tokenizers must match it
step() { echo "setup_peers: $*"; }
quiet_pip() {  # pip, without the warnings this machine's pip config adds for absent index dirs
  local status=0
  "${pip[@]}" "$@" 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; } \
    || status=$?
  return $status
}

OV_REQS=("transformers>=4.51,<5.6" "optimum~=2.3.0" "huggingface-hub>=0.23.2,<1.22"
         "openvino==$OPENVINO" "openvino-tokenizers==$OPENVINO.*" "openvino-genai==$OPENVINO.*"
         "requests>=2.33,<3" setuptools "nncf==3.4.*")  # nncf: OVWeightQuantizationConfig
OV_NODEPS=("optimum-intel==2.2.0")
OV_CHECK="from optimum.intel import OVModelForCausalLM; import openvino_genai, openvino"
ORT_REQS=("optimum-onnx==0.1.0" "optimum~=2.1.0" "transformers>=4.36,<4.58" onnx
          "onnxruntime==1.32.*" "onnx-ir==1.1.*")  # onnx-ir: MatMulNBitsQuantizer
ORT_NODEPS=()
ORT_CHECK="from optimum.onnxruntime import ORTModelForCausalLM; import onnxruntime"

setup_venv() {  # name, requirements var, no-deps var, import check
  local name=$1 venv=".venv-$1" check=$4
  local -n reqs=$2 nodeps=$3
  local pip=("$venv/bin/python" -m pip --disable-pip-version-check)
  if [ -x "$venv/bin/python" ]; then
    step "$name: virtual environment bench/$venv exists"
  else
    step "$name: creating bench/$venv ($("$PY" --version 2>&1))"
    "$PY" -m venv "$venv"
  fi
  local torch_now
  torch_now=$("$venv/bin/python" -c \
    "import importlib.metadata as m; print(m.version('torch'))" 2>/dev/null || true)
  if [ "${torch_now%%+*}" = "$TORCH" ]; then
    step "$name: torch $torch_now is installed"
  else
    step "$name: installing torch $TORCH (the CPU build from this machine's disk)"
    quiet_pip install -q "torch==$TORCH"
  fi
  local stamp
  stamp=$(printf '%s\n' "${reqs[@]}" -- "${nodeps[@]}" "$TORCH" | sha256sum | cut -c1-64)
  if [ "$(cat "$venv/peers.stamp" 2>/dev/null)" = "$stamp" ] \
      && "$venv/bin/python" -c "$check" 2>/dev/null; then
    step "$name: peers are installed (requirements unchanged, imports work)"
    return
  fi
  rm -f "$venv/peers.stamp"
  local constraints="$venv/constraints.txt"
  printf 'torch==%s\n' "$TORCH" > "$constraints"
  step "$name: installing ${reqs[*]} (constrained to torch==$TORCH)"
  quiet_pip install -q -c "$constraints" "${reqs[@]}"
  if [ ${#nodeps[@]} -gt 0 ]; then
    step "$name: installing ${nodeps[*]} without its dependencies (no torchvision)"
    quiet_pip install -q --no-deps -c "$constraints" "${nodeps[@]}"
  fi
  step "$name: checking the imports: $check"
  "$venv/bin/python" -c "$check"
  echo "$stamp" > "$venv/peers.stamp"
  step "$name: ready ($("$venv/bin/python" -c "import importlib.metadata as m; print(', '.join(
    d + ' ' + m.version(d) for d in ('torch', 'transformers', 'optimum')))"))"
}

families=("$@")
[ ${#families[@]} -gt 0 ] || families=(ov ort)
for family in "${families[@]}"; do
  case "$family" in
    ov) setup_venv ov OV_REQS OV_NODEPS "$OV_CHECK" ;;
    ort) setup_venv ort ORT_REQS ORT_NODEPS "$ORT_CHECK" ;;
    *) echo "setup_peers: unknown family $family (usage: bash bench/setup_peers.sh [ov|ort ...])" \
         >&2; exit 2 ;;
  esac
done
step "done"
