"""Chat, `/v1`, cancel, stop strings, seeds, adapters and process loss on the vLLM engine (see conftest)."""

import json
import os
import signal

import psutil
from openai import BadRequestError, OpenAI, UnprocessableEntityError

from tests.faults.conftest import new_conversation
from tests.vllm.conftest import ADAPTER, MODEL, VllmStack, build_adapter, httpx, stream_answer, wait_for

GREEDY = {"temperature": 0, "repetition_penalty": 1.0}
QUESTION = "What is the capital of France?"


def openai_client(stack: VllmStack, headers: dict, timeout: float = 300) -> OpenAI:
    token = headers["Authorization"].removeprefix("Bearer ")
    return OpenAI(base_url=f"{stack.base_url}/v1", api_key=token, max_retries=0, timeout=timeout)


def bare_greedy(stack: VllmStack, max_tokens: int) -> str:
    """The bare vLLM server's greedy answer to QUESTION: what LocalMind must stream, token for token."""
    reply = OpenAI(base_url=f"{stack.vllm_url()}/v1", api_key="none").chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": QUESTION}], max_tokens=max_tokens, temperature=0
    )
    return reply.choices[0].message.content


def models_reported(stack: VllmStack) -> dict[str, dict]:
    with stack.client() as http:
        body = http.get("/api/v1/system/resources", headers=stack.admin).json()
    return {m["model_id"]: m for worker in body["workers"] for m in worker["models"]}


def test_chat_answer_streams_through_the_vllm_engine(vstack, user):
    conversation = new_conversation(vstack, user, model=MODEL)
    events = stream_answer(vstack, user, conversation, QUESTION, {"max_new_tokens": 24, **GREEDY})
    kinds = [e.event for e in events]
    assert kinds[-1] == "done", events[-1]
    assert kinds.count("token") >= 3, "tokens arrive one event at a time"
    message = events[-1].data["message"]
    assert message["status"] == "done" and message["content"] == bare_greedy(vstack, 24)
    assert message["content"] == "".join(e.data["text"] for e in events if e.event == "token")
    assert message["completion_tokens"] > 0 and message["prompt_tokens"] > 10
    assert [e.id for e in events if e.id is not None] == sorted({e.id for e in events if e.id is not None})
    reported = wait_for(lambda: models_reported(vstack).get(MODEL), 15, what="the worker's report")
    assert reported["engine"] == "vllm" and reported["memory_bytes"] > 100 * 2**20, reported


def test_v1_greedy_output_equals_bare_vllm(vstack, user):
    """The same prompt, greedy, through LocalMind's /v1 and straight to the vLLM server: the same text."""
    ours = openai_client(vstack, user).chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": QUESTION}], max_tokens=32, extra_body=GREEDY
    )
    bare = OpenAI(base_url=f"{vstack.vllm_url()}/v1", api_key="none").chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": QUESTION}], max_tokens=32, temperature=0
    )
    assert ours.choices[0].message.content == bare.choices[0].message.content
    assert ours.usage.completion_tokens == bare.usage.completion_tokens
    assert ours.usage.prompt_tokens == bare.usage.prompt_tokens


def test_v1_stream_usage_max_tokens_and_stop_strings(vstack, user):
    client = openai_client(vstack, user)
    chunks = list(
        client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": QUESTION}],
            max_tokens=5,
            stream=True,
            stream_options={"include_usage": True},
            extra_body=GREEDY,
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["length"]
    assert chunks[-1].usage.completion_tokens == 5 and text
    full = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": QUESTION}], max_tokens=32, extra_body=GREEDY
    )
    answer = full.choices[0].message.content
    assert answer == bare_greedy(vstack, 32)
    word = answer.split()[2]  # a stop string inside the answer (SmolLM2's greedy reply depends on the CPU's kernels)
    cut = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": QUESTION}],
        max_tokens=32,
        stop=[word],
        extra_body=GREEDY,
    )
    assert cut.choices[0].message.content == answer[: answer.index(word)]
    assert cut.choices[0].finish_reason == "stop"


def test_v1_tool_calls_through_vllm(vstack, user):
    """Forced calls decode under the functions' schema on the vLLM server (structured outputs), streamed or not;
    `auto` lets SmolLM2 (no tool template) choose; the tool result goes back as a `tool` message."""
    weather = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string", "maxLength": 40}},
                "required": ["city"],
                "additionalProperties": False,
            },
        },
    }
    client = openai_client(vstack, user)
    ask = [{"role": "user", "content": "What is the weather in Paris?"}]
    forced = client.chat.completions.create(
        model=MODEL, messages=ask, tools=[weather], tool_choice="required", max_tokens=40, extra_body=GREEDY
    ).choices[0]
    assert forced.finish_reason == "tool_calls" and forced.message.content is None
    call = forced.message.tool_calls[0]
    assert call.function.name == "get_weather" and isinstance(json.loads(call.function.arguments)["city"], str)
    chunks = list(
        client.chat.completions.create(
            model=MODEL,
            messages=ask,
            tools=[weather],
            tool_choice={"type": "function", "function": {"name": "get_weather"}},
            max_tokens=40,
            stream=True,
            extra_body=GREEDY,
        )
    )
    deltas = [d for c in chunks if c.choices for d in c.choices[0].delta.tool_calls or []]
    assert "".join(d.function.arguments or "" for d in deltas) == call.function.arguments
    history = [
        *ask,
        forced.message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "31 C, clear"},
    ]
    answer = client.chat.completions.create(
        model=MODEL, messages=history, tools=[weather], max_tokens=16, extra_body=GREEDY
    ).choices[0]
    assert answer.finish_reason in ("stop", "length", "tool_calls")
    assert answer.message.content or answer.message.tool_calls


def test_seeds_repeat_sampled_answers_and_bad_seeds_are_refused(vstack, user):
    client = openai_client(vstack, user)

    def sample(seed: int) -> str:
        reply = client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "Tell me a story about a cat."}],
            max_tokens=24,
            temperature=1.0,
            seed=seed,
        )
        return reply.choices[0].message.content

    first = sample(7)
    assert sample(7) == first
    assert sample(8) != first
    for bad in (2**64, -1):
        try:
            sample(bad)
        except (UnprocessableEntityError, BadRequestError) as exc:
            assert "seed" in str(exc)
        else:
            raise AssertionError(f"seed {bad} was accepted")
    conversation = new_conversation(vstack, user, model=MODEL)
    with vstack.client() as http:
        response = http.post(
            f"/api/v1/conversations/{conversation}/messages",
            json={"content": "hi", "params": {"seed": 2**64}},
            headers=user,
        )
    assert response.status_code == 422 and "seed" in response.text


def test_stop_mid_stream_keeps_the_partial_answer_and_aborts_it_in_vllm(vstack, user):
    conversation = new_conversation(vstack, user, model=MODEL)
    stopped = []

    def stop_after_three(event, events):
        tokens = [e for e in events if e.event == "token"]
        if len(tokens) == 3 and not stopped:
            answer_id = next(e.data["assistant_message_id"] for e in events if "assistant_message_id" in e.data)
            with vstack.client() as http:
                stopped.append(http.post(f"/api/v1/messages/{answer_id}/stop", headers=user).status_code)

    events = stream_answer(
        vstack, user, conversation, "Write a long story about the sea.", {"max_new_tokens": 400}, stop_after_three
    )
    assert stopped == [202]
    message = events[-1].data["message"]
    assert message["status"] == "cancelled"
    assert message["content"] and message["completion_tokens"] < 400
    wait_for(lambda: _vllm_running(vstack) == 0, 10, 0.2, "vLLM to drop the aborted request")


def _vllm_running(stack: VllmStack) -> float:
    metrics = httpx.get(f"{stack.vllm_url()}/metrics", timeout=5).text
    lines = [line for line in metrics.splitlines() if line.startswith("vllm:num_requests_running")]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines)


def test_a_new_adapter_is_served_without_restarting_the_server(vstack, user, smol_dir):
    server_pid = vstack.vllm_server().pid
    build_adapter(smol_dir, vstack.adapters / ADAPTER, seed=3)
    client = openai_client(vstack, user)

    def ask(model: str) -> str:
        reply = client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": QUESTION}], max_tokens=16, extra_body=GREEDY
        )
        return reply.choices[0].message.content

    base = ask(MODEL)
    adapted = ask(f"{MODEL}+{ADAPTER}")
    assert adapted != base
    assert ask(f"{MODEL}+{ADAPTER}") == adapted, "greedy adapter answers repeat"
    assert ask(MODEL) == base, "the base is unaffected by the adapter"
    assert vstack.vllm_server().pid == server_pid, "the adapter was added at run time, not by a restart"


def test_a_crashed_vllm_server_fails_the_answer_clearly_and_is_restarted(vstack, user):
    conversation = new_conversation(vstack, user, model=MODEL)
    killed = []

    def kill_server(event, events):
        if not killed:
            server = vstack.vllm_server()
            for proc in [*server.children(recursive=True), server]:
                proc.send_signal(signal.SIGKILL)
            killed.append(server.pid)

    events = stream_answer(vstack, user, conversation, "Write a long story.", {"max_new_tokens": 300}, kill_server)
    assert killed and events[-1].event == "error", events[-1]
    assert "vLLM" in events[-1].data["message"]
    with vstack.db() as conn:
        row = conn.execute("SELECT status, content FROM messages WHERE role='assistant' ORDER BY id DESC").fetchone()
    assert row["status"] == "failed" and row["content"], "the partial answer is kept"
    vstack.wait_first_answer(user)  # the next question starts a fresh server
    assert vstack.vllm_server().pid not in killed


def test_killing_the_worker_fails_its_answer_and_stops_its_vllm_server(vstack, user):
    server = vstack.vllm_server()
    group = [server, *server.children(recursive=True)]
    conversation = new_conversation(vstack, user, model=MODEL)

    def kill_worker(event, events):
        if sum(e.event == "token" for e in events) == 1:
            os.kill(vstack.worker_pid(), signal.SIGKILL)

    events = stream_answer(vstack, user, conversation, "Write a long story.", {"max_new_tokens": 400}, kill_worker)
    assert events[-1].event == "error" and events[-1].data["code"] == "worker_lost", events[-1]
    wait_for(
        lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in group),
        40,
        0.5,
        "the vLLM server to exit after its worker",
    )
