"""The vLLM engine end to end: real processes (uvicorn, a Celery generation worker, a private redis-server, the
vLLM server the worker starts from .venv-vllm) serving the real SmolLM2-135M-Instruct.

One stack per module. `VLLM_ENFORCE_EAGER=1` (no torch.compile) brings the server up in ~35 s instead of ~90 s;
everything else is the production path. `ADAPTER_ENGINE=vllm` starts it with LoRA enabled, so the same server
also serves adapters (on CPU the product's default runs adapters on the transformers engine instead).
"""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.faults.conftest import Stack, iter_sse, new_conversation, wait_for

MODEL = "smollm2-135m-instruct"
ADAPTER = "fact-a"
FIRST_ANSWER_TIMEOUT_S = 300


def require_vllm() -> None:
    """vLLM must be installed (run_tests.sh installs it); only a machine where it cannot install skips."""
    from app.kernel.settings import Settings
    from worker.engine.vllm.install import find_install

    if find_install(Settings().vllm_python) is not None:
        return
    if os.environ.get("LOCALMIND_VLLM_UNAVAILABLE"):
        pytest.skip("scripts/install_vllm.sh could not install vLLM on this machine")
    pytest.fail("the vLLM engine is not installed: run scripts/install_vllm.sh (run_tests.sh does)")


def build_adapter(model_dir: Path, out: Path, seed: int) -> Path:
    """A random LoRA (r=8 on q/v, the shape LocalMind's fine-tunes have) that visibly changes greedy output."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    config = LoraConfig(r=8, lora_alpha=32, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    get_peft_model(AutoModelForCausalLM.from_pretrained(model_dir), config).save_pretrained(out)
    return out


class VllmStack(Stack):
    """The fault-injection stack, serving SmolLM2 through the vLLM engine."""

    def __init__(self, root: Path, model_dir: Path):
        super().__init__(root, model_dir)
        self.env.update(
            DEFAULT_MODEL=MODEL,
            ENGINE="vllm",
            ADAPTER_ENGINE="vllm",
            VLLM_ENFORCE_EAGER="1",
            VLLM_KV_CACHE_GB="1",
            RATE_LIMIT_MESSAGES_PER_WINDOW="0",
        )
        models = self.store / "models"
        models.mkdir(parents=True, exist_ok=True)
        (models / MODEL).symlink_to(model_dir)
        self.adapters = self.store / "adapters"

    def worker_pid(self) -> int:
        return self.workers["generation"].pid

    def vllm_server(self) -> psutil.Process | None:
        """The vLLM server process the generation worker started (its direct child running entry.py)."""
        try:
            children = psutil.Process(self.worker_pid()).children()
        except psutil.NoSuchProcess:
            return None
        return next((c for c in children if any("entry.py" in part for part in c.cmdline())), None)

    def vllm_url(self) -> str:
        args = self.vllm_server().cmdline()
        return f"http://127.0.0.1:{args[args.index('--port') + 1]}"

    def wait_first_answer(self, headers: dict) -> dict:
        """A short answer through the whole path (the first one waits for the vLLM server to start)."""
        conversation = new_conversation(self, headers, model=MODEL)
        with self.client(timeout=FIRST_ANSWER_TIMEOUT_S) as http:
            response = http.post(
                f"/api/v1/conversations/{conversation}/messages",
                json={"content": "Hello", "stream": False, "params": {"max_new_tokens": 4}},
                headers=headers,
            )
        assert response.status_code in (200, 201), response.text
        assert response.json()["status"] == "done", (response.json(), self.workers["generation"].tail())
        return response.json()


@pytest.fixture(scope="session")
def smol_dir() -> Path:
    from worker.engine.store import pull_model

    return pull_model(MODEL)


@pytest.fixture(scope="module")
def vstack(tmp_path_factory, smol_dir) -> Iterator[VllmStack]:
    require_vllm()
    stack = VllmStack(tmp_path_factory.mktemp("vllm-stack"), smol_dir)
    try:
        stack.start_redis()
        # The worker first: its imports (~10 s) and then the vLLM server it starts when ready (the engine warm-up)
        # overlap the API's start and the sign-up instead of following them. When ready it reads the admin-added
        # models (the API has migrated the database by then; a fresh one has none, and a failure is only logged).
        worker = stack.spawn_worker("generation", concurrency=8)
        stack.start_api()
        stack.admin = stack.sign_up("admin")
        stack.wait_worker_ready(worker)
        stack.wait_first_answer(stack.admin)
        yield stack
    finally:
        stack.close()
        time.sleep(0.5)


@pytest.fixture(scope="module")
def user(vstack) -> dict[str, str]:
    return vstack.sign_up("vllm-user")


def stream_answer(stack: Stack, headers: dict, conversation: int, content: str, params: dict, on_token=None):
    """Post a question and read its SSE stream to the end: (events, final message data)."""
    events = []
    with stack.client(timeout=300) as http:
        with http.stream(
            "POST",
            f"/api/v1/conversations/{conversation}/messages",
            json={"content": content, "params": params},
            headers=headers,
        ) as response:
            assert response.status_code == 200, response.read()
            for event in iter_sse(response):
                events.append(event)
                if event.event == "token" and on_token is not None:
                    on_token(event, events)
                if event.event in ("done", "error"):
                    break
    return events


__all__ = ["ADAPTER", "MODEL", "VllmStack", "build_adapter", "httpx", "stream_answer", "wait_for"]
