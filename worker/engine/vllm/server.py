"""One vLLM server process serving one base model: started on demand, health-checked, restarted after a crash."""

import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
from loguru import logger

from app.kernel.registry.errors import ModelLoadError
from app.kernel.registry.spec import ModelSpec
from worker.engine.vllm.install import VllmInstall

ENTRY = Path(__file__).with_name("entry.py")
HEALTH_POLL_S = 0.5
STOP_GRACE_S = 20.0
LOG_TAIL_CHARS = 2500
DTYPES = {"auto": "auto", "float32": "float32", "bfloat16": "bfloat16", "float16": "float16"}


@dataclass(frozen=True)
class ServerOptions:
    """How every vLLM server of this worker is started (from the settings; see app/kernel/settings.py)."""

    kv_cache_gb: float = 2.0
    enforce_eager: bool = False
    startup_timeout_s: float = 600.0
    enable_lora: bool = False
    max_loras: int = 4
    max_lora_rank: int = 64
    dtype: str | None = None
    """Overrides the entry's `dtype` (the engine passes the CPU's preferred dtype for `auto`)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_args(spec: ModelSpec, model_path: Path, port: int, options: ServerOptions) -> list[str]:
    """vLLM's command line for `spec`: the same flags the bare-vLLM benchmark uses (bench/serving.py)."""
    args = ["--model", str(model_path), "--served-model-name", spec.id, "--host", "127.0.0.1", "--port", str(port)]
    args += ["--dtype", options.dtype or DTYPES[spec.dtype], "--disable-uvicorn-access-log"]
    # The model directory's generation_config.json must not change what a request asked for.
    args += ["--generation-config", "vllm"]
    if spec.context_length:
        args += ["--max-model-len", str(spec.context_length)]
    if spec.trust_remote_code:
        args.append("--trust-remote-code")
    if spec.quantization == "4bit":
        args += ["--quantization", "bitsandbytes"]
    if options.enforce_eager:
        args.append("--enforce-eager")
    if options.enable_lora:
        args += ["--enable-lora", "--max-loras", str(options.max_loras), "--max-lora-rank", str(options.max_lora_rank)]
    return args


def server_env(options: ServerOptions) -> dict[str, str]:
    env = {
        **os.environ,
        "VLLM_CPU_KVCACHE_SPACE": f"{options.kv_cache_gb:g}",
        "VLLM_ALLOW_RUNTIME_LORA_UPDATING": "True",  # adapters finished after start are added without a restart
        "VLLM_NO_USAGE_STATS": "1",
        "DO_NOT_TRACK": "1",
        "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", "1"),
    }
    env.pop("PYTHONPATH", None)  # the worker's packages must not shadow the vLLM virtualenv's
    return env


class VllmServer:
    """The process behind one base model. Thread-safe: concurrent callers wait for one start."""

    def __init__(self, install: VllmInstall, spec: ModelSpec, model_path: Path, options: ServerOptions, log: Path):
        self.install = install
        self.spec = spec
        self.model_path = model_path
        self.options = options
        self.log_path = log
        self.base_url = ""
        self.adapters: dict[str, Path] = {}
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=httpx.Timeout(30.0, connect=5.0))

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def memory_bytes(self) -> int:
        """Resident memory of the server and its engine processes (the model, the KV cache, the runtime)."""
        try:
            root = psutil.Process(self.pid) if self.pid is not None else None
            procs = [root, *root.children(recursive=True)] if root is not None else []
            return sum(p.memory_info().rss for p in procs)
        except psutil.Error:
            return 0

    def ensure_running(self) -> str:
        """The server's base URL, starting (or restarting after a crash) the process first if needed."""
        with self._lock:
            if not self.alive:
                if self._proc is not None:
                    logger.warning("vLLM server for {} exited with {}; restarting", self.spec.id, self._proc.returncode)
                self._start()
            return self.base_url

    def exit_reason(self) -> str:
        """Why requests to this server fail: its exit code and the end of its log."""
        code = self._proc.poll() if self._proc is not None else None
        if self.alive:
            state = "stopped answering"
        else:
            state = "is not running" if code is None else f"exited with code {code}"
        return f"the vLLM server for {self.spec.id!r} {state}; log {self.log_path}:\n{self.log_tail()}"

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:]
        except OSError:
            return ""

    def _start(self) -> None:
        port = free_port()
        args = [str(self.install.python), str(ENTRY), *server_args(self.spec, self.model_path, port, self.options)]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        logger.info("starting vLLM {} for {} on port {}", self.install.version, self.spec.id, port)
        started = time.perf_counter()
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, env=server_env(self.options), start_new_session=True
            )
        self.base_url = f"http://127.0.0.1:{port}"
        self.adapters = {}
        self._wait_healthy()
        logger.info("vLLM server for {} ready in {:.1f} s", self.spec.id, time.perf_counter() - started)

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.options.startup_timeout_s
        while time.monotonic() < deadline:
            if not self.alive:
                raise ModelLoadError(f"cannot start {self.exit_reason()}")
            try:
                if self._http.get(f"{self.base_url}/health", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(HEALTH_POLL_S)
        self._terminate()
        raise ModelLoadError(
            f"the vLLM server for {self.spec.id!r} did not become ready in {self.options.startup_timeout_s:.0f} s "
            f"(VLLM_STARTUP_TIMEOUT_SECONDS); log {self.log_path}:\n{self.log_tail()}"
        )

    def load_adapter(self, name: str, path: Path) -> None:
        """Make a LoRA adapter servable under `name` on the running server (no restart)."""
        with self._lock:
            if self.adapters.get(name) == path:
                return
            response = self._http.post(
                f"{self.base_url}/v1/load_lora_adapter", json={"lora_name": name, "lora_path": str(path)}
            )
            if response.status_code != 200 and "already been loaded" not in response.text:
                raise ModelLoadError(
                    f"the vLLM server for {self.spec.id!r} refused adapter {name!r}: {response.text[:300]}"
                )
            self.adapters[name] = path

    def stop(self) -> None:
        with self._lock:
            self._terminate()

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait(5)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    """The server runs in a session of its own; its engine-core processes are in the same group."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
