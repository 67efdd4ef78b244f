"""Models that return images (image editing). Each edits the latest image of the conversation with
the last text part of the last user turn as its prompt (the editing envs put the bare instruction
there). ``openai-images``: an OpenAI-compatible ``/images/edits`` endpoint (multipart upload,
``b64_json`` result), with the chat adapter's connection budget, retries and cache. ``diffusers``:
a local diffusers pipeline such as InstructPix2Pix, loaded from a path, seeded per request."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
from typing import Any

import numpy as np
from PIL import Image

from mmturn.tasks.imaging import png_bytes
from mmturn.tasks.model import Model, ModelError
from mmturn.tasks.models.openai_chat import OpenAIChat
from mmturn.tasks.registry import register_model
from mmturn.tasks.types import Part, Reply, Request, last_image


def edit_inputs(request: Request) -> tuple[Part, str]:
    """(image to edit, prompt) of a request; a conversation without an image is a model error."""
    image = last_image(request.messages)
    if image is None:
        raise ModelError("an image-editing model needs an image in the conversation")
    user = next(m for m in reversed(request.messages) if m.role == "user")
    texts = [p.text for p in user.parts if p.kind == "text" and p.text.strip()]
    return image, texts[-1] if texts else ""


def _decode(b64: str) -> Part:
    with Image.open(io.BytesIO(base64.b64decode(b64))) as img:
        return Part.of_image(np.asarray(img.convert("RGB")))


@register_model("openai-images")
class OpenAIImageEdit(OpenAIChat):
    """``POST {base_url}/images/edits`` with the image as PNG, the prompt and ``response_format=b64_json``."""

    result_field = "data"

    def __init__(self, model: str = "default", size: str | None = None, **kwargs: Any) -> None:
        super().__init__(model=model, **kwargs)
        self.size = size

    async def respond(self, request: Request) -> Reply:
        image, prompt = edit_inputs(request)
        form = {
            "model": self.model,
            "prompt": prompt,
            "response_format": "b64_json",
            "n": "1",
            **({"size": self.size} if self.size else {}),
        }
        key = json.dumps([form, image.digest, request.sample_index], sort_keys=True)
        return await self.call(
            key,
            lambda: self._post(
                "/images/edits", data=form, files={"image": ("image.png", png_bytes(image.image), "image/png")}
            ),
        )

    def read(self, data: dict[str, Any]) -> dict[str, Any]:
        first = data["data"][0] if isinstance(data["data"], list) else None
        if not isinstance(first, dict) or not isinstance(first.get("b64_json"), str):
            return {"text": "", "images": [], "error": "the response has no b64_json image"}
        return {"text": first.get("revised_prompt") or "", "images": [first["b64_json"]], "error": None}

    def to_reply(self, record: dict[str, Any], cached: bool = False) -> Reply:
        images = record.pop("images", [])
        try:
            parts = tuple(_decode(b) for b in images)
        except (OSError, ValueError) as e:
            parts, record["error"] = (), f"undecodable image in the response: {e}"
        return Reply(**record, images=parts, cached=cached)


@register_model("diffusers")
class DiffusersEdit(Model):
    """A local diffusers image-editing pipeline (e.g. InstructPix2Pix) from ``path``; one edit at a time."""

    concurrency = 1

    def __init__(
        self,
        path: str,
        num_inference_steps: int = 20,
        guidance_scale: float = 7.5,
        image_guidance_scale: float = 1.5,
        device: str = "cpu",
        seed: int = 0,
        max_side: int = 768,
    ) -> None:
        import torch
        from diffusers import DiffusionPipeline

        self.path, self.num_inference_steps, self.device, self.seed, self.max_side = (
            path,
            int(num_inference_steps),
            device,
            int(seed),
            int(max_side),
        )
        self.guidance_scale, self.image_guidance_scale = float(guidance_scale), float(image_guidance_scale)
        self._torch = torch
        self._pipe = DiffusionPipeline.from_pretrained(path).to(device)
        self._pipe.set_progress_bar_config(disable=True)
        self._lock = asyncio.Lock()

    def _edit(self, image: Part, prompt: str, seed: int) -> np.ndarray:
        img = Image.fromarray(image.image)
        img.thumbnail((self.max_side, self.max_side))
        generator = self._torch.Generator("cpu").manual_seed(seed)
        out = self._pipe(
            prompt,
            image=img,
            num_inference_steps=self.num_inference_steps,
            guidance_scale=self.guidance_scale,
            image_guidance_scale=self.image_guidance_scale,
            generator=generator,
            output_type="np",
        ).images[0]
        return (np.clip(out, 0.0, 1.0) * 255).round().astype(np.uint8)

    async def respond(self, request: Request) -> Reply:
        image, prompt = edit_inputs(request)
        seed = int(np.random.default_rng([self.seed, request.seed, request.sample_index, request.turn]).integers(2**31))
        started = time.perf_counter()
        async with self._lock:
            edited = await asyncio.to_thread(self._edit, image, prompt, seed)
        return Reply(text="", images=(Part.of_image(edited),), latency_s=time.perf_counter() - started)
