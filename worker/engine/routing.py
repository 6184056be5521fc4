"""Which engine serves a request: vLLM where it is installed and fits the model, the transformers engine otherwise.

Precedence: `ENGINE=transformers` (the operator's opt-out) or an entry's `engine: transformers` always wins; an
explicit `vllm` (setting or entry) fails loudly where vLLM cannot serve the model; `auto` falls back quietly.
"""

from pathlib import Path
from typing import Literal

from app.kernel.registry.errors import ModelLoadError
from app.kernel.registry.spec import ModelSpec
from worker.engine.vllm.install import VllmInstall, model_architectures

EngineName = Literal["vllm", "transformers"]


def vllm_unfit(spec: ModelSpec, install: VllmInstall | None, model_path: Path) -> str | None:
    """Why vLLM cannot serve `spec` here, or None when it can."""
    if install is None:
        return "vLLM is not installed on this worker (run scripts/install_vllm.sh)"
    if spec.device.startswith("cuda") and install.device != "cuda":
        return f"the model asks for {spec.device} and this worker's vLLM is the {install.device} build"
    architectures = model_architectures(model_path)
    if not architectures:
        return f"{model_path} has no model config yet (pull the model first)"
    if not install.serves(architectures, spec.quantization):
        return (
            f"vLLM {install.version} ({install.device}) does not serve {'/'.join(architectures)} "
            f"with quantization {spec.quantization!r}"
        )
    return None


def adapters_on_vllm(adapter_setting: str, install: VllmInstall | None) -> bool:
    """`auto`: vLLM's multi-LoRA on CUDA; on CPU adapters run on the transformers engine (see BENCHMARKS.md)."""
    if adapter_setting == "auto":
        return install is not None and install.device == "cuda"
    return adapter_setting == "vllm"


def choose_engine(
    spec: ModelSpec,
    with_adapter: bool,
    engine_setting: str,
    adapter_setting: str,
    install: VllmInstall | None,
    model_path: Path,
) -> EngineName:
    if engine_setting == "transformers" or spec.engine == "transformers":
        return "transformers"
    reason = vllm_unfit(spec, install, model_path)
    if reason is not None:
        if "vllm" in (engine_setting, spec.engine):
            raise ModelLoadError(f"model {spec.id!r} is set to the vLLM engine, but {reason}")
        return "transformers"
    if with_adapter and not adapters_on_vllm(adapter_setting, install):
        return "transformers"
    return "vllm"
