"""``hf``: a local Hugging Face VLM through ``AutoProcessor`` + ``AutoModelForImageTextToText`` and
the model's own chat template with images. Requests from concurrently played episodes are batched
(left padding) and generated in a worker thread; the weights are loaded once."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
from typing import Any

from mmturn.tasks.model import Model
from mmturn.tasks.models.images import pil_image
from mmturn.tasks.reasoning import parse_tags, split_reasoning, with_trace
from mmturn.tasks.registry import register_model
from mmturn.tasks.tools import text_tool_calls, without_tool_calls
from mmturn.tasks.types import Message, Reply, Request

log = logging.getLogger("mmturn")


def to_hf_conversation(
    messages: list[Message],
    max_side: int | None = None,
    system_prompt: str | None = None,
    keep_reasoning: tuple[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Messages in the chat-template format: user content as ordered image / text items; past assistant
    turns as their answers (as the models' own templates keep them), or with their traces in
    ``keep_reasoning``'s tags, and their tool calls (arguments as objects); tool messages as text."""
    conv: list[dict[str, Any]] = (
        [{"role": "system", "content": [{"type": "text", "text": system_prompt}]}] if system_prompt else []
    )
    for m in messages:
        items = [
            {"type": "image", "image": pil_image(p, max_side)}
            if p.kind == "image"
            else {"type": "text", "text": p.text}
            for p in m.parts
            if p.kind == "image" or p.text
        ]
        if keep_reasoning and m.role == "assistant" and m.reasoning:
            answer = "".join(p.text for p in m.parts if p.kind == "text")
            items = [{"type": "text", "text": with_trace(answer, m.reasoning, keep_reasoning)}]
        message: dict[str, Any] = {"role": m.role, "content": items or [{"type": "text", "text": ""}]}
        if m.tool_calls:
            message["tool_calls"] = [
                {"type": "function", "function": {"name": c.name, "arguments": c.args() or {}}} for c in m.tool_calls
            ]
        conv.append(message)
    return conv


def _last_image_size(conversation: list[dict[str, Any]]) -> tuple[int, int] | None:
    sizes = [c["image"].size for m in conversation for c in m["content"] if c.get("type") == "image"]
    return tuple(sizes[-1]) if sizes else None


@register_model("hf")
class HFModel(Model):
    def __init__(
        self,
        pretrained: str,
        device: str = "cpu",
        dtype: str = "auto",
        max_new_tokens: int = 128,
        batch_size: int = 4,
        do_sample: bool = False,
        temperature: float = 1.0,
        max_image_side: int | None = None,
        trust_remote_code: bool = False,
        system_prompt: str | None = None,
        think_tags: str | None = None,
        keep_reasoning: bool = False,
        tools: bool = False,
    ) -> None:
        import torch
        from transformers import AutoModelForImageTextToText, AutoProcessor

        self.pretrained, self.device, self.dtype = pretrained, device, dtype
        self.max_new_tokens, self.batch_size, self.do_sample, self.temperature = (
            int(max_new_tokens),
            int(batch_size),
            bool(do_sample),
            temperature,
        )
        self.max_image_side, self.system_prompt = max_image_side, system_prompt
        self.think_tags, self.keep_reasoning = ",".join(parse_tags(think_tags)), bool(keep_reasoning)
        self.tools = bool(tools)
        self.concurrency = self.batch_size
        torch_dtype = dtype if dtype == "auto" else getattr(torch, dtype)
        self._processor = AutoProcessor.from_pretrained(pretrained, trust_remote_code=trust_remote_code)
        tokenizer = getattr(self._processor, "tokenizer", None)
        if tokenizer is not None:
            tokenizer.padding_side = "left"
            if tokenizer.pad_token is None:
                tokenizer.pad_token = tokenizer.eos_token
        self._model = (
            AutoModelForImageTextToText.from_pretrained(
                pretrained, dtype=torch_dtype, trust_remote_code=trust_remote_code
            )
            .to(device)
            .eval()
        )
        accepts = inspect.signature(self._processor.apply_chat_template).parameters
        self._padding = (
            {"processor_kwargs": {"padding": True}} if "processor_kwargs" in accepts else {"padding": True}
        )  # transformers 5 / 4
        template = getattr(self._processor, "chat_template", None) or ""
        self._template_tools = "tools" in (template if isinstance(template, str) else json.dumps(template))
        if self.tools and not self._template_tools:
            log.warning("%s: its chat template renders no tools; tools=true only reads <tool_call> replies", pretrained)
        self._queue: asyncio.Queue | None = None
        self._worker: asyncio.Task | None = None

    def _generate(self, requests: list[Request]) -> list[tuple[str, int, int, tuple[int, int] | None]]:
        import torch

        keep = parse_tags(self.think_tags) if self.keep_reasoning else None
        conversations = [
            to_hf_conversation(r.messages, self.max_image_side, self.system_prompt, keep) for r in requests
        ]
        tools = list(requests[0].tools) if self.tools and self._template_tools and requests[0].tools else None
        inputs = self._processor.apply_chat_template(
            conversations,
            tools=tools,
            add_generation_prompt=True,
            tokenize=True,
            return_dict=True,
            return_tensors="pt",
            **self._padding,
        ).to(self.device)
        kwargs: dict[str, Any] = {"max_new_tokens": self.max_new_tokens, "do_sample": self.do_sample}
        if self.do_sample:
            kwargs["temperature"] = self.temperature
            torch.manual_seed((requests[0].seed + 7919 * requests[0].sample_index) % 2**31)
        with torch.inference_mode():
            output = self._model.generate(**inputs, **kwargs)
        prompt_len = inputs["input_ids"].shape[1]
        new = output[:, prompt_len:]
        texts = self._processor.batch_decode(new, skip_special_tokens=True)
        mask = inputs.get("attention_mask")
        prompt_tokens = mask.sum(dim=1).tolist() if mask is not None else [prompt_len] * len(requests)
        sizes = [_last_image_size(c) for c in conversations]
        return [(t, int(p), int(n.numel()), z) for t, p, n, z in zip(texts, prompt_tokens, new, sizes)]

    async def _serve(self) -> None:
        """Collect whatever requests are waiting (up to batch_size) and generate them as one batch."""
        assert self._queue is not None
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            started = time.perf_counter()
            try:
                outputs = await asyncio.to_thread(self._generate, [r for r, _ in batch])
            except Exception as e:  # a failed batch fails its requests, not the server loop
                for _, future in batch:
                    if not future.done():
                        future.set_exception(e)
                continue
            latency = time.perf_counter() - started
            for (_, future), (text, n_in, n_out, size) in zip(batch, outputs):
                if not future.done():
                    future.set_result(self._reply(text, latency, n_in, n_out, size))

    def _reply(self, text: str, latency: float, n_in: int, n_out: int, size: tuple[int, int] | None = None) -> Reply:
        """The decoded text as a reply: the answer, the reasoning trace apart (its tokens counted here) and,
        with tools=true, the ``<tool_call>`` blocks as tool calls."""
        split = split_reasoning(text, parse_tags(self.think_tags))
        tokenizer = getattr(self._processor, "tokenizer", self._processor)
        traced = len(tokenizer(split.trace, add_special_tokens=False)["input_ids"]) if split.trace else None
        calls = text_tool_calls(split.answer) if self.tools else ()
        return Reply(
            text=without_tool_calls(split.answer) if calls else split.answer,
            tool_calls=calls,
            image_size=size,
            latency_s=latency,
            input_tokens=n_in,
            output_tokens=n_out,
            reasoning=split.trace,
            reasoning_truncated=split.truncated,
            reasoning_tokens=traced,
        )

    async def respond(self, request: Request) -> Reply:
        if self._worker is None or self._worker.done():
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._serve())
        future = asyncio.get_running_loop().create_future()
        assert self._queue is not None
        await self._queue.put((request, future))
        return await future

    async def aclose(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
