"""``openai``: any OpenAI-compatible chat-completions server (vLLM, SGLang, Ollama, ``transformers
serve``, hosted APIs). Interleaved text and base64 images in turn order, the whole conversation (or
``--history N``), async requests under ``max_connections``, retries with exponential backoff and
jitter on 429/5xx/timeouts (honouring Retry-After), a per-request timeout, and a response cache
keyed by the server (base_url) and the exact request body (model, messages after the history window,
system prompt, every sampling argument, the repeat index). The API key is read from an env var and
never logged or stored."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
import sqlite3
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from mmturn.tasks.model import Model, ModelError
from mmturn.tasks.models.images import data_uri
from mmturn.tasks.reasoning import parse_tags, split_reasoning, with_trace
from mmturn.tasks.registry import register_model
from mmturn.tasks.secrets import register_secret
from mmturn.tasks.tools import ToolCall
from mmturn.tasks.types import Message, Reply, Request, last_image

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
NO_DELAY = [
    (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
]  # headers and body go out at once: no 40 ms Nagle / delayed-ACK stalls


class RetryableError(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def to_openai_messages(
    messages: list[Message], system_prompt: str | None = None, keep_reasoning: tuple[str, str] | None = None
) -> list[dict[str, Any]]:
    """Chat-completions messages: user content as interleaved text / image_url parts, in order; assistant
    turns as their answers only (or with their traces inline in ``keep_reasoning``'s tags) and their tool
    calls; tool messages answering a call by its id."""
    out: list[dict[str, Any]] = [{"role": "system", "content": system_prompt}] if system_prompt else []
    for m in messages:
        text = "".join(p.text for p in m.parts if p.kind == "text")
        if m.role == "user":
            content = [
                {"type": "text", "text": p.text}
                if p.kind == "text"
                else {"type": "image_url", "image_url": {"url": data_uri(p)}}
                for p in m.parts
                if p.kind == "image" or p.text
            ]
            out.append({"role": "user", "content": content})
        elif m.role == "tool":
            out.append({"role": "tool", "tool_call_id": m.tool_call_id, "content": text})
        else:
            keep = keep_reasoning and m.role == "assistant"
            message: dict[str, Any] = {
                "role": m.role,
                "content": with_trace(text, m.reasoning, keep_reasoning) if keep else text,
            }
            if m.tool_calls:
                message["content"] = message["content"] or None
                message["tool_calls"] = [
                    {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                    for c in m.tool_calls
                ]
            out.append(message)
    return out


def _tool_calls(message: dict[str, Any]) -> list[dict[str, str]]:
    """The function calls of a response message, as JSON-able records (ids kept for the tool replies)."""
    calls = []
    for k, call in enumerate(message.get("tool_calls") or []):
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            arguments = function.get("arguments", "{}")
            text = arguments if isinstance(arguments, str) else json.dumps(arguments)
            calls.append({"id": str(call.get("id") or f"call_{k}"), "name": function["name"], "arguments": text})
    return calls


class ResponseCache:
    """sqlite map from a request's hash to its reply; safe across processes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, reply TEXT NOT NULL)")
        self.db.commit()

    def get(self, key: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT reply FROM replies WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, reply: dict[str, Any]) -> None:
        self.db.execute("INSERT OR REPLACE INTO replies VALUES (?, ?)", (key, json.dumps(reply)))
        self.db.commit()


@register_model("openai")
class OpenAIChat(Model):
    result_field = "choices"  # a response without it is malformed (retried)
    operational_args = frozenset(
        {
            "max_connections",
            "timeout",
            "max_retries",
            "cache",
            "backoff_initial",
            "backoff_max",
            "api_key_env",
            "price_in",
            "price_out",
        }
    )

    def __init__(
        self,
        model: str = "default",
        base_url: str = "http://127.0.0.1:8000/v1",
        api_key_env: str = "OPENAI_API_KEY",
        max_connections: int = 32,
        timeout: float = 120.0,
        max_retries: int = 6,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        top_p: float | None = None,
        system_prompt: str | None = None,
        cache: str | None = "~/.cache/mmturn/openai.sqlite",
        think_tags: str | None = None,
        keep_reasoning: bool = False,
        backoff_initial: float = 0.5,
        backoff_max: float = 60.0,
        tools: bool = False,
        price_in: float | None = None,
        price_out: float | None = None,
    ) -> None:
        self.model, self.base_url = model, base_url.rstrip("/")
        self.max_connections, self.timeout, self.max_retries = int(max_connections), float(timeout), int(max_retries)
        self.temperature, self.max_tokens, self.top_p, self.system_prompt = (
            temperature,
            max_tokens,
            top_p,
            system_prompt,
        )
        self.backoff_initial, self.backoff_max = backoff_initial, backoff_max
        self._backoff = wait_exponential_jitter(multiplier=backoff_initial, max=backoff_max, jitter=backoff_initial)
        self.concurrency = self.max_connections
        self.cache_path = None if cache in (None, "", "none", False) else str(Path(os.path.expanduser(str(cache))))
        self.think_tags, self.keep_reasoning = ",".join(parse_tags(think_tags)), bool(keep_reasoning)
        self.tools, self.price_in, self.price_out = bool(tools), price_in, price_out
        self._api_key_env = api_key_env
        register_secret(os.environ.get(api_key_env))  # scrubbed from every error text, log line and file
        self._cache = ResponseCache(Path(self.cache_path)) if self.cache_path else None
        self._client: httpx.AsyncClient | None = None
        self._slots = asyncio.Semaphore(self.max_connections)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            headers = {}
            if key := os.environ.get(self._api_key_env):
                headers["Authorization"] = f"Bearer {key}"
            limits = httpx.Limits(max_connections=self.max_connections, max_keepalive_connections=self.max_connections)
            transport = httpx.AsyncHTTPTransport(limits=limits, socket_options=NO_DELAY)
            self._client = httpx.AsyncClient(
                base_url=self.base_url, headers=headers, timeout=self.timeout, transport=transport
            )
        return self._client

    def _body(self, request: Request) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": to_openai_messages(
                request.messages, self.system_prompt, parse_tags(self.think_tags) if self.keep_reasoning else None
            ),
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }
        if self.top_p is not None:
            body["top_p"] = self.top_p
        if self.tools and request.tools:
            body["tools"] = list(request.tools)
        if self.temperature > 0:  # servers that honour it make sampled repeats reproducible
            body["seed"] = (request.seed + 1_000_003 * request.sample_index) % 2**31
        return body

    async def _post(self, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._http().post(path, **kwargs)
        except (httpx.TimeoutException, httpx.TransportError) as e:
            raise RetryableError(f"{type(e).__name__}: {e}") from e
        if response.status_code in RETRY_STATUS:
            raise RetryableError(f"HTTP {response.status_code}: {response.text[:200]}", _retry_after(response))
        if response.status_code >= 400:
            raise ModelError(f"HTTP {response.status_code} from {self.base_url}: {response.text[:300]}")
        try:
            data = response.json()
        except ValueError:
            raise RetryableError(f"malformed JSON in response: {response.text[:120]!r}") from None
        if not isinstance(data, dict) or not data.get(self.result_field):
            raise RetryableError(f"response without {self.result_field}: {str(data)[:200]}")
        return data

    def _wait(self, state: RetryCallState) -> float:
        backoff = self._backoff(state)
        error = state.outcome.exception() if state.outcome else None
        hint = getattr(error, "retry_after", None)
        return max(backoff, hint) if hint is not None else backoff

    async def respond(self, request: Request) -> Reply:
        body = self._body(request)
        reply = await self.call(
            json.dumps([body, request.sample_index], sort_keys=True), lambda: self._post("/chat/completions", json=body)
        )
        image = last_image(request.messages)
        if image is not None and image.image is not None:  # the size it was sent at (images go as they are)
            reply.image_size = (image.image.shape[1], image.image.shape[0])
        return reply

    async def call(self, key_text: str, send: Callable[[], Awaitable[dict[str, Any]]]) -> Reply:
        """``send`` under the connection budget with retries, through the cache keyed by the server, the
        endpoint's result kind and ``key_text`` (the request's whole body: model, messages, sampling arguments)."""
        key = hashlib.sha256(json.dumps([self.base_url, self.result_field, key_text]).encode()).hexdigest()
        if self._cache and (hit := self._cache.get(key)):
            return self.to_reply(hit, cached=True)
        started = time.perf_counter()
        try:
            async with self._slots:
                async for attempt in AsyncRetrying(
                    retry=retry_if_exception(lambda e: isinstance(e, RetryableError)),
                    stop=stop_after_attempt(self.max_retries + 1),
                    wait=self._wait,
                    reraise=True,
                ):
                    with attempt:
                        data = await send()
        except RetryableError as e:
            raise ModelError(f"gave up after {self.max_retries + 1} attempts: {e}") from e
        record = {**self.read(data), "latency_s": time.perf_counter() - started}
        if self._cache:
            self._cache.put(key, record)
        return self.to_reply(record)

    def read(self, data: dict[str, Any]) -> dict[str, Any]:
        """The JSON-able content of a successful response (what the cache stores)."""
        choice = data["choices"][0]
        message = choice.get("message") or {}
        text = message.get("content") or ""
        text = text if isinstance(text, str) else json.dumps(text)
        finish = choice.get("finish_reason")
        usage = data.get("usage") or {}
        trace = message.get("reasoning_content") or message.get("reasoning")  # vLLM / SGLang parsers, DeepSeek APIs
        split = split_reasoning(text, parse_tags(self.think_tags)) if not isinstance(trace, str) else None
        details = usage.get("completion_tokens_details") or {}
        return {
            "text": split.answer if split else text,
            "reasoning": split.trace if split else trace,
            "reasoning_truncated": bool(split and split.truncated),
            "reasoning_tokens": details.get("reasoning_tokens") if isinstance(details, dict) else None,
            "tool_calls": _tool_calls(message),
            "input_tokens": usage.get("prompt_tokens"),
            "output_tokens": usage.get("completion_tokens"),
            "error": f"finish_reason={finish}" if finish in ("content_filter", "length") else None,
        }

    def to_reply(self, record: dict[str, Any], cached: bool = False) -> Reply:
        calls = tuple(ToolCall(c["name"], c["arguments"], c["id"]) for c in record.get("tool_calls") or ())
        return Reply(**{**record, "tool_calls": calls}, cached=cached)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
