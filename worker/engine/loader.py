"""Load a model directory into memory (dtype, 4-bit/8-bit, device) and manage its LoRA adapters."""

import threading
from dataclasses import dataclass, field
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig

from app.kernel.registry.errors import ModelLoadError
from app.kernel.registry.model_files import is_loadable_dir
from app.kernel.registry.spec import ModelSpec
from worker.engine.dtypes import auto_dtype

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
BASE_ADAPTER = "__base__"
"""PEFT's name for "no adapter" in a mixed-adapter batch."""


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelLoadError(f"device {device!r} requested but CUDA is not available on this worker")
    return torch.device(device)


def resolve_dtype(dtype: str, device: torch.device) -> torch.dtype:
    """`auto` is bf16 on GPUs and on CPUs with native bf16, fp32 on other CPUs (worker/engine/dtypes.py)."""
    return DTYPES[auto_dtype(device.type) if dtype == "auto" else dtype]


def quantization_config(spec: ModelSpec, compute_dtype: torch.dtype) -> BitsAndBytesConfig | None:
    if spec.quantization == "4bit":
        return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=compute_dtype)
    if spec.quantization == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True)
    return None


@dataclass
class LoadedModel:
    """A model in memory. `lock` serializes forward passes with adapter loading on this base."""

    spec: ModelSpec
    path: Path
    model: torch.nn.Module
    tokenizer: object
    device: torch.device
    eos_ids: frozenset[int]
    pad_id: int
    context_length: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    adapters: dict[str, Path] = field(default_factory=dict)
    _adapter_layers_on: bool = True

    @property
    def memory_bytes(self) -> int:
        return int(self.model.get_memory_footprint())

    def use_adapters(self, wanted: bool) -> bool:
        """Switch the LoRA layers on for a batch with adapter rows, off for one of base rows only (call with `lock`
        held; toggles only on a change). Returns whether adapters are on, i.e. `adapter_names` must be passed."""
        on = wanted and bool(self.adapters)
        if self.adapters and on != self._adapter_layers_on:
            tuner = self.model.base_model
            tuner.enable_adapter_layers() if on else tuner.disable_adapter_layers()
            self._adapter_layers_on = on
        return on

    def ensure_adapter(self, name: str, adapter_dir: Path) -> None:
        """Load a LoRA adapter under `name` onto this base once; later requests pick it per row."""
        with self.lock:
            if name in self.adapters:
                return
            from peft import PeftModel

            try:
                if isinstance(self.model, PeftModel):
                    self.model.load_adapter(str(adapter_dir), adapter_name=name)
                else:
                    self.model = PeftModel.from_pretrained(self.model, str(adapter_dir), adapter_name=name)
                self.model.eval()
                keep_fast_matmuls(self.model)
                self.model.base_model.enable_adapter_layers()
                self._adapter_layers_on = True
            except Exception as exc:
                raise ModelLoadError(
                    f"cannot load adapter {name!r} from {adapter_dir} onto {self.spec.id!r}: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            self.adapters[name] = adapter_dir


def keep_fast_matmuls(model: torch.nn.Module) -> None:
    """Undo PEFT's freezing of the base weights, which inference never trains anyway (torch.inference_mode).

    torch folds a [batch, 1, hidden] activation times a weight into one matrix product only while the weight
    requires grad; frozen, it expands the weight per row. For the 49k-vocabulary lm_head of a prefill that is a
    110 MB copy: with any adapter loaded, every base request's prefill took 2x as long (SmolLM2: 113 vs 70 ms).
    """
    model.requires_grad_(True)


def load_model(spec: ModelSpec, path: Path) -> LoadedModel:
    """Load weights and tokenizer from `path`; any failure becomes a `ModelLoadError` naming the cause."""
    if not path.is_dir():
        raise ModelLoadError(
            f"model {spec.id!r} has no weights at {path}; "
            f"pull it first: python -m worker.engine.cli models pull {spec.id}"
        )
    if not is_loadable_dir(path):
        raise ModelLoadError(f"model {spec.id!r}: {path} is not a model directory (needs config.json and weights)")
    device = resolve_device(spec.device)
    dtype = resolve_dtype(spec.dtype, device)
    kwargs: dict = {"dtype": dtype, "trust_remote_code": spec.trust_remote_code}
    quant = quantization_config(spec, dtype)
    if quant is not None:
        kwargs.update(quantization_config=quant, device_map={"": str(device)})
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=spec.trust_remote_code)
        model = AutoModelForCausalLM.from_pretrained(path, **kwargs)
        if quant is None:
            model.to(device)
    except Exception as exc:  # loaders raise OSError, ValueError, KeyError, RuntimeError (OOM), MemoryError...
        raise ModelLoadError(f"cannot load model {spec.id!r} from {path}: {type(exc).__name__}: {exc}") from exc
    model.eval()
    eos_ids = _eos_ids(model, tokenizer)
    if not eos_ids:
        raise ModelLoadError(f"model {spec.id!r}: neither the tokenizer nor generation_config names an EOS token")
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else min(eos_ids)
    context = spec.context_length or getattr(model.config, "max_position_embeddings", None) or 2048
    return LoadedModel(spec, path, model, tokenizer, device, eos_ids, pad_id, context)


def _eos_ids(model, tokenizer) -> frozenset[int]:
    ids = set()
    configured = getattr(model.generation_config, "eos_token_id", None)
    ids.update(configured if isinstance(configured, list) else [configured])
    ids.add(tokenizer.eos_token_id)
    return frozenset(i for i in ids if i is not None)
