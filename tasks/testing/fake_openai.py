"""A deterministic OpenAI-compatible chat server on loopback, with scripted faults and latency,
for tests and benchmarks. It answers with what it saw, so tests can check what was sent."""

from __future__ import annotations

import asyncio
import base64
import io
import socket
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import uvicorn
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.routing import Route


@dataclass
class ServerState:
    # consumed one per request: 429, 500, 503, 400, 401echo, 500echo, slow, timeout, drop, malformed, empty,
    # content_filter, length
    faults: list[str] = field(default_factory=list)
    reasoning: str = "none"  # how replies carry a trace: none, field (reasoning_content), inline (<think>), truncated
    replies: list[dict] = field(default_factory=list)  # scripted assistant messages (e.g. tool_calls), one a request
    responder: Callable[[dict], str] | None = None  # the reply's content from the request body (a judge's answers)
    timeout_s: float = 30.0  # how long a "timeout" fault stalls (longer than the client's timeout)
    latency_s: float = 0.0
    slow_s: float = 2.0
    requests: list[dict] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)
    in_flight: int = 0
    peak_in_flight: int = 0


def describe_request(body: dict) -> str:
    """The deterministic reply: image count, image sizes and the last user text."""
    images, last = [], ""
    for m in body["messages"]:
        if m["role"] == "user" and isinstance(m["content"], list):
            for c in m["content"]:
                if c["type"] == "image_url":
                    raw = base64.b64decode(c["image_url"]["url"].split(",", 1)[1])
                    images.append("x".join(map(str, Image.open(io.BytesIO(raw)).size)))
                elif c["type"] == "text":
                    last = c["text"]
    return f"seen {len(images)} images ({' '.join(images)}); answer is 7; last: {last[-40:]}"


async def _dropped():
    yield b'{"id": "x", "choices": [{"index": 0, "mess'
    raise ConnectionResetError("injected: connection dropped mid-response")


TRACE = "Let me think about the image step by step."


def reasoned(mode: str, text: str) -> dict:
    """The assistant message as a reasoning model sends it: the trace in its own field (vLLM / SGLang
    reasoning parsers), inline before the answer, or opened and never closed (the budget ran out)."""
    if mode == "field":
        return {"role": "assistant", "content": text, "reasoning_content": TRACE}
    if mode == "inline":
        return {"role": "assistant", "content": f"<think>\n{TRACE}\n</think>\n\n{text}"}
    if mode == "truncated":
        return {"role": "assistant", "content": f"<think>\n{TRACE} And then"}
    return {"role": "assistant", "content": text}


def make_app(state: ServerState) -> Starlette:
    async def chat(request: Request):
        body = await request.json()
        state.requests.append(body)
        state.headers.append(dict(request.headers))
        fault = state.faults.pop(0) if state.faults else None
        state.in_flight += 1
        state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
        try:
            await asyncio.sleep({"slow": state.slow_s, "timeout": state.timeout_s}.get(fault or "", state.latency_s))
        finally:
            state.in_flight -= 1
        if fault in ("429", "500", "503", "400"):
            headers = {"Retry-After": "0.3"} if fault == "429" else {}
            return PlainTextResponse(f"injected {fault}", status_code=int(fault), headers=headers)
        if fault in ("401echo", "500echo"):  # a careless server that echoes the credentials it was sent
            echoed = f"rejected request with Authorization: {request.headers.get('authorization')}"
            return PlainTextResponse(echoed, status_code=int(fault[:3]))
        if fault == "malformed":
            return PlainTextResponse('{"choices": [', media_type="application/json")
        if fault == "drop":  # headers and half a body, then the connection is cut
            return StreamingResponse(_dropped(), media_type="application/json")
        if fault == "empty":
            return JSONResponse({"id": "x", "choices": []})
        finish = fault if fault in ("content_filter", "length") else "stop"
        text = describe_request(body)
        if state.responder is not None:
            text = state.responder(body)
        message = state.replies.pop(0) if state.replies else reasoned(state.reasoning, text)
        usage: dict[str, Any] = {"prompt_tokens": 11, "completion_tokens": len(text.split())}
        usage["total_tokens"] = 11 + usage["completion_tokens"]
        if state.reasoning != "none":
            usage["completion_tokens_details"] = {"reasoning_tokens": len(TRACE.split())}
        return JSONResponse(
            {
                "id": "x",
                "object": "chat.completion",
                "model": body.get("model"),
                "choices": [
                    {
                        "index": 0,
                        "message": message,
                        "finish_reason": "length" if state.reasoning == "truncated" else finish,
                    }
                ],
                "usage": usage,
            }
        )

    async def edit(request: Request):
        """images/edits: the uploaded image mirrored left-right (the prompt is recorded)."""
        form = await request.form()
        state.headers.append(dict(request.headers))
        image = form["image"]
        upload = await image.read() if not isinstance(image, str) else image.encode()
        state.requests.append({"prompt": form.get("prompt"), "model": form.get("model"), "bytes": len(upload)})
        fault = state.faults.pop(0) if state.faults else None
        if fault in ("429", "500", "503", "400"):
            return PlainTextResponse(
                f"injected {fault}", status_code=int(fault), headers={"Retry-After": "0.3"} if fault == "429" else {}
            )
        if fault == "empty":
            return JSONResponse({"created": 0, "data": []})
        mirrored = np.asarray(Image.open(io.BytesIO(upload)).convert("RGB"))[:, ::-1]
        buf = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(mirrored)).save(buf, format="PNG")
        return JSONResponse({"created": 0, "data": [{"b64_json": base64.b64encode(buf.getvalue()).decode()}]})

    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat, methods=["POST"]),
            Route("/v1/images/edits", edit, methods=["POST"]),
        ]
    )


class FakeOpenAIServer:
    """Started on a socket bound before the thread runs, so clients may connect at once."""

    def __init__(self, state: ServerState | None = None) -> None:
        self.state = state or ServerState()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(
            make_app(self.state), log_level="error", lifespan="off", backlog=512, timeout_keep_alive=30
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> "FakeOpenAIServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def decode_data_uri(uri: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"))


def serve_forever() -> None:
    """Run the server in its own process (benchmarks): prints its base URL, then serves until killed."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    server = FakeOpenAIServer(ServerState(latency_s=args.latency))
    print(server.base_url, flush=True)
    server.thread.run()


if __name__ == "__main__":
    serve_forever()
