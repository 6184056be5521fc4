"""Serving throughput, side by side in one run: bare vLLM vs LocalMind `/v1` on each engine, one OpenAI client.

    python -m bench.serving                      # bare vLLM, LocalMind/vLLM, LocalMind/transformers, model alone
    python -m bench.serving --engines vllm       # skip the transformers stack
    python -m bench.serving --adapters 0         # skip the four-adapters rows

Every server gets the same protocol through the official `openai` package (AsyncOpenAI, streaming chat
completions, greedy, `--tokens` new tokens): a warm-up, one stream x3, 8 concurrent x3, 32 concurrent x1.
Then, with four LoRA adapters loaded on the base (one request each), base-model requests again (one stream x3,
8 concurrent x3), and 8 concurrent adapter requests. "model alone" is the transformers model generating in a
process of its own with no server (`model.generate`, the same loader and weights). Servers run one at a time:
vLLM pins its compute threads to one core, so two servers at once would measure each other.

Ratios are to bare vLLM (same vLLM version, weights and flags: worker/engine/vllm/server.py:server_args); the
transformers engine's single stream is also given as a ratio to the model alone.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench.common import ROOT, SMOLLM, machine_note, percentile, sign_up, stack

PROMPT = "Write a short story about a robot who learns to paint."
ADAPTERS = ("style-a", "style-b", "style-c", "style-d")


@dataclass
class StreamResult:
    tokens: int = 0
    seconds: float = 0.0
    ttft: float = 0.0
    text: str = ""
    error: str = ""


@dataclass
class Round:
    results: list[StreamResult]
    wall: float

    @property
    def errors(self) -> int:
        return sum(1 for r in self.results if r.error)

    @property
    def aggregate(self) -> float:
        return sum(r.tokens for r in self.results) / self.wall

    @property
    def ttft_p50(self) -> float:
        return percentile([r.ttft for r in self.results if not r.error], 50)


@dataclass
class Row:
    name: str
    single: float = float("nan")
    agg8: float = float("nan")
    agg32: float = float("nan")
    ttft8: float = float("nan")
    errors: int = 0
    greedy: str = ""
    notes: list[str] = field(default_factory=list)


async def one_stream(client, model: str, tokens: int) -> StreamResult:
    started = time.perf_counter()
    result = StreamResult()
    parts = []
    try:
        stream = await client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": PROMPT}],
            max_tokens=tokens,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
            # Model entries may set a default repetition penalty (SmolLM2's is 1.1); greedy means none here.
            extra_body={"repetition_penalty": 1.0},
        )
        async for chunk in stream:
            if chunk.usage:
                result.tokens = chunk.usage.completion_tokens
            for choice in chunk.choices:
                if choice.delta.content:
                    if not parts:
                        result.ttft = time.perf_counter() - started
                    parts.append(choice.delta.content)
    except Exception as exc:  # noqa: BLE001 - counted as an error of this stream
        result.error = f"{type(exc).__name__}: {exc}"
    result.seconds = time.perf_counter() - started
    result.text = "".join(parts)
    return result


async def run_round(client, models: list[str], tokens: int) -> Round:
    started = time.perf_counter()
    results = await asyncio.gather(*(one_stream(client, m, tokens) for m in models))
    return Round(list(results), time.perf_counter() - started)


async def measure(base_url: str, api_key: str, model: str, tokens: int, name: str, full: bool = True) -> Row:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=900)
    row = Row(name)
    warm = await run_round(client, [model], tokens)
    row.greedy = warm.results[0].text
    singles = [await run_round(client, [model], tokens) for _ in range(3)]
    eights = [await run_round(client, [model] * 8, tokens) for _ in range(3)]
    rounds = [warm, *singles, *eights]
    row.single = statistics.median(r.aggregate for r in singles)
    row.agg8 = statistics.median(r.aggregate for r in eights)
    row.ttft8 = statistics.median(r.ttft_p50 for r in eights)
    if full:
        thirty_two = await run_round(client, [model] * 32, tokens)
        rounds.append(thirty_two)
        row.agg32 = thirty_two.aggregate
    row.errors = sum(r.errors for r in rounds)
    for r in rounds:
        row.notes += [x.error for x in r.results if x.error][:2]
    await client.close()
    return row


async def measure_adapters(
    base_url: str, api_key: str, model: str, tokens: int, label: str, alternations: int
) -> list[Row]:
    """Base requests with four adapters loaded, then 8 concurrent adapter requests (two per adapter).

    With `alternations` > 0 the comparison alternates that many times between "no adapter loaded" (the model
    unloaded through the admin API, so it reloads bare) and "four loaded", and reports the medians of both: on
    a noisy 2-core machine two runs minutes apart differ by more than the effect measured.
    """
    adapter_ids = [f"{model}+{name}" for name in ADAPTERS]
    plain_rows, loaded_rows, errors = [], [], 0
    for _ in range(max(alternations, 1)):
        if alternations:
            _unload(base_url, api_key, model)
            plain_rows.append(await measure(base_url, api_key, model, tokens, "", full=False))
        errors += (await _round(base_url, api_key, adapter_ids, tokens)).errors
        loaded_rows.append(await measure(base_url, api_key, model, tokens, "", full=False))
    rows = [_median_row(f"{label}, base, 4 adapters loaded", loaded_rows)]
    rows[0].errors += errors
    if plain_rows:
        rows.insert(0, _median_row(f"{label}, base, alternating with the above, none loaded", plain_rows))
    single = await _round(base_url, api_key, adapter_ids[:1], tokens)
    mixed = await _round(base_url, api_key, adapter_ids * 2, tokens)
    adapters = Row(f"{label}, adapter requests", single=single.aggregate, agg8=mixed.aggregate, ttft8=mixed.ttft_p50)
    adapters.errors = single.errors + mixed.errors
    adapters.notes = [x.error for x in single.results + mixed.results if x.error][:2]
    return [*rows, adapters]


async def _round(base_url: str, api_key: str, models: list[str], tokens: int) -> Round:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=900)
    try:
        return await run_round(client, models, tokens)
    finally:
        await client.close()


def _median_row(name: str, rows: list[Row]) -> Row:
    median = Row(name, errors=sum(r.errors for r in rows))
    for attr in ("single", "agg8", "ttft8"):
        setattr(median, attr, statistics.median(getattr(r, attr) for r in rows))
    median.notes = [f"median of {len(rows)}: single {', '.join(f'{r.single:.1f}' for r in rows)}"]
    return median


def _unload(base_v1_url: str, api_key: str, model: str) -> None:
    """Free the model on the worker (admin API) and wait until no worker reports it loaded."""
    import httpx

    base = base_v1_url.removesuffix("/v1")
    headers = {"Authorization": f"Bearer {api_key}"}
    httpx.post(f"{base}/api/v1/models/{model}/unload", headers=headers, timeout=30).raise_for_status()
    deadline = time.time() + 60
    while model in httpx.get(f"{base}/readyz", timeout=10).json().get("models_loaded", []):
        if time.time() > deadline:
            raise RuntimeError(f"{model} still loaded 60 s after the unload request")
        time.sleep(0.5)


def bare_vllm(model_dir: Path, tokens: int, enforce_eager: bool, logs: Path) -> Row:
    """vLLM's own OpenAI server, started with exactly the flags the LocalMind engine uses."""
    from app.kernel.registry.registry import get_registry
    from app.kernel.settings import get_settings
    from worker.engine.engine import Engine
    from worker.engine.vllm.install import find_install
    from worker.engine.vllm.server import VllmServer

    install = find_install(get_settings().vllm_python)
    if install is None:
        raise SystemExit("vLLM is not installed: run scripts/install_vllm.sh")
    spec = get_registry().get(SMOLLM)
    options = replace(Engine().server_options(spec), enforce_eager=enforce_eager)
    server = VllmServer(install, spec, model_dir, options, logs / "bare-vllm.log")
    started = time.perf_counter()
    server.ensure_running()
    startup = time.perf_counter() - started
    try:
        row = asyncio.run(measure(f"{server.base_url}/v1", "none", spec.id, tokens, f"bare vLLM {install.version}"))
    finally:
        server.stop()
    row.notes.append(f"server start {startup:.0f} s")
    return row


def localmind(engine: str, tokens: int, enforce_eager: bool, adapters: int, model_dir: Path) -> Iterator[Row]:
    label = f"LocalMind /v1, {engine} engine"
    with stack("lm-serving-") as running:
        running.start_redis()
        extra = {"ENGINE": engine, "VLLM_ENFORCE_EAGER": "1" if enforce_eager else "0", "LOG_LEVEL": "INFO"}
        running.configure(SMOLLM, None, extra)
        store = Path(running.env["MODEL_STORE_DIR"])
        (store / "models").mkdir(parents=True, exist_ok=True)
        os.symlink(model_dir, store / "models" / SMOLLM)
        if adapters:
            build_adapters(model_dir, store / "adapters")
        running.start_api()
        running.start_worker(concurrency=32)
        headers = sign_up(running.base_url, "bench")
        key = headers["Authorization"].removeprefix("Bearer ")
        started = time.perf_counter()
        _wait_first_answer(running.base_url, key)
        first = time.perf_counter() - started
        row = asyncio.run(measure(f"{running.base_url}/v1", key, SMOLLM, tokens, label))
        row.notes.append(f"first answer after {first:.0f} s (engine start)")
        yield row
        if adapters:
            # The transformers engine holds the adapters next to the base it serves: alternate to see their cost.
            # On CPU the vLLM engine's adapters run on the transformers engine, so its base cannot pay for them.
            alternations = 3 if engine == "transformers" else 0
            yield from asyncio.run(measure_adapters(f"{running.base_url}/v1", key, SMOLLM, tokens, label, alternations))


def _wait_first_answer(base_url: str, key: str) -> None:
    """One short request through the whole path; the worker starts its engine on the first one."""
    from openai import OpenAI

    client = OpenAI(base_url=f"{base_url}/v1", api_key=key, max_retries=0, timeout=900)
    client.chat.completions.create(model=SMOLLM, messages=[{"role": "user", "content": "Hi"}], max_tokens=2)


def build_adapters(model_dir: Path, adapters_dir: Path) -> None:
    """Four random LoRA adapters (r=8 on q/v, like a LocalMind fine-tune) on the base, in a subprocess."""
    code = (
        "import sys, torch; from pathlib import Path; from peft import LoraConfig, get_peft_model;"
        "from transformers import AutoModelForCausalLM\n"
        "base, out = Path(sys.argv[1]), Path(sys.argv[2])\n"
        "for i, name in enumerate(sys.argv[3:]):\n"
        "    torch.manual_seed(i)\n"
        "    model = get_peft_model(AutoModelForCausalLM.from_pretrained(base), LoraConfig(r=8, lora_alpha=16,"
        " target_modules=['q_proj', 'v_proj'], init_lora_weights=False))\n"
        "    model.save_pretrained(out / name)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(model_dir), str(adapters_dir), *ADAPTERS], check=True, cwd=ROOT)


def model_alone(tokens: int, model_dir: Path) -> Row:
    """The transformers model generating greedily in its own process, no server: the transformers engine's bar."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.serving", "--alone", str(model_dir), "--tokens", str(tokens)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return Row("transformers model alone (no server)", single=data["tok_s"], greedy=data["text"])


def _alone(model_dir: Path, tokens: int) -> None:
    import torch

    from app.kernel.registry.registry import get_registry
    from worker.engine.loader import load_model
    from worker.engine.messages import build_prompt

    loaded = load_model(get_registry().get(SMOLLM), model_dir)
    prompt = build_prompt(loaded.tokenizer, [{"role": "user", "content": PROMPT}], 4096)
    ids = torch.tensor([prompt.token_ids])
    rates, text = [], ""
    with torch.inference_mode():
        for _ in range(4):
            started = time.perf_counter()
            out = loaded.model.generate(ids, max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False)
            rates.append((out.shape[1] - ids.shape[1]) / (time.perf_counter() - started))
            text = loaded.tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
    print(json.dumps({"tok_s": statistics.median(rates[1:]), "text": text}))


def ratio(value: float, ref: float) -> str:
    return f"{value / ref:.2f}x" if ref == ref and value == value and ref else "-"


def fmt(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}" if value == value else "-"


def print_header(tokens: int) -> None:
    print(f"\n{machine_note()}; SmolLM2-135M-Instruct, {tokens} greedy tokens per stream\n")
    head = "| server | single tok/s | 8 concurrent tok/s | 32 concurrent tok/s | TTFT p50 at 8 (s) | errors |"
    head += " single vs bare | 8 vs bare | TTFT vs bare |"
    print(head)
    print("|" + "---|" * 10, flush=True)


def print_row(row: Row, bare: Row | None) -> None:
    ttft_delta = f"{(row.ttft8 - bare.ttft8) * 1000:+.0f} ms" if bare and row.ttft8 == row.ttft8 else "-"
    print(
        f"| {row.name} | {fmt(row.single)} | {fmt(row.agg8)} | {fmt(row.agg32)} | {fmt(row.ttft8, 2)} | "
        f"{row.errors} | {ratio(row.single, bare.single) if bare else '-'} | "
        f"{ratio(row.agg8, bare.agg8) if bare else '-'} | {ttft_delta} |",
        flush=True,
    )


def print_summary(rows: list[Row], bare: Row | None, alone: Row | None) -> None:
    print()
    if alone:
        for row in rows:
            if "transformers engine" in row.name and "adapter" not in row.name:
                print(f"\n{row.name}: single stream {ratio(row.single, alone.single)} of the model alone")
    by_name = {r.name: r for r in rows}
    for engine in ("vllm", "transformers"):
        plain = by_name.get(f"LocalMind /v1, {engine} engine, base, alternating with the above, none loaded")
        plain = plain or by_name.get(f"LocalMind /v1, {engine} engine")
        loaded = by_name.get(f"LocalMind /v1, {engine} engine, base, 4 adapters loaded")
        if plain and loaded:
            print(
                f"{engine} engine, base requests with 4 adapters loaded vs none: single "
                f"{ratio(loaded.single, plain.single)}, 8 concurrent {ratio(loaded.agg8, plain.agg8)}"
            )
    if bare:
        for row in rows:
            if row.greedy and "adapter" not in row.name and row is not bare:
                same = "equal" if row.greedy == bare.greedy else "DIFFERENT"
                print(f"greedy text of {row.name}: {same} to bare vLLM's")
    for row in rows:
        for note in row.notes:
            print(f"note ({row.name}): {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", default="vllm,transformers", help="LocalMind engines to run, comma-separated")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--adapters", type=int, choices=(0, 4), default=4, help="4: also the four-adapters rows")
    parser.add_argument("--skip-bare", action="store_true", help="no bare vLLM row")
    parser.add_argument("--skip-alone", action="store_true", help="no model-alone row")
    parser.add_argument("--enforce-eager", action="store_true", help="vLLM without torch.compile (faster start)")
    parser.add_argument("--alone", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.alone:
        _alone(args.alone, args.tokens)
        return
    from worker.engine.store import pull_model

    model_dir = pull_model(SMOLLM)
    logs = Path(tempfile.mkdtemp(prefix="lm-serving-logs-"))
    rows: list[Row] = []
    bare = None
    print_header(args.tokens)
    if not args.skip_bare:
        bare = bare_vllm(model_dir, args.tokens, args.enforce_eager, logs)
        rows.append(bare)
        print_row(bare, bare)
    for engine in [e for e in args.engines.split(",") if e]:
        for row in localmind(engine, args.tokens, args.enforce_eager, args.adapters, model_dir):
            rows.append(row)
            print_row(row, bare)
    alone = None if args.skip_alone else model_alone(args.tokens, model_dir)
    if alone:
        rows.append(alone)
        print_row(alone, bare)
    print_summary(rows, bare, alone)
    print(f"\nlogs: {logs}")


if __name__ == "__main__":
    main()
