"""A minimal OpenAI-compatible chat endpoint over an `Engine`, served by uvicorn on 127.0.0.1 in a thread."""

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from worker.engine.engine import Engine
from worker.engine.generation import GenerationParams


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    def chat(body: dict) -> StreamingResponse:
        params = GenerationParams(
            max_new_tokens=body.get("max_tokens"),
            temperature=body.get("temperature"),
            top_p=body.get("top_p"),
            stop=tuple(body.get("stop") or ()) or None,
            seed=body.get("seed"),
        )
        events = engine.stream(body["model"], body["messages"], params)

        def sse() -> Iterator[str]:
            for event in events:
                chunk = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "model": body["model"]}
                if event.done:
                    c = event.completion
                    chunk["choices"] = [{"index": 0, "delta": {}, "finish_reason": c.finish_reason}]
                    chunk["usage"] = {
                        "prompt_tokens": c.prompt_tokens,
                        "completion_tokens": c.completion_tokens,
                    }
                else:
                    chunk["choices"] = [{"index": 0, "delta": {"content": event.text}, "finish_reason": None}]
                yield f"data: {json.dumps(chunk)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(sse(), media_type="text/event-stream")

    return app


@contextmanager
def serve(engine: Engine) -> Iterator[str]:
    """Run the endpoint on a random free port; yields its base URL (`http://127.0.0.1:<port>/v1`)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(engine), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test OpenAI server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
