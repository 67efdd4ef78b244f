"""Scripted baselines that need no weights, reading only the env's typed ``Hints``: ``oracle`` (replays
the hinted reply and images; must score perfectly), ``random`` (a uniformly drawn candidate answer,
instructions ignored; in image editing a random change of the image) and ``identity`` (image
editing: returns the image unchanged)."""

from __future__ import annotations

import cv2
import numpy as np

from mmturn.tasks.model import Model
from mmturn.tasks.registry import register_model
from mmturn.tasks.types import Part, Reply, Request, last_image


@register_model("oracle")
class Oracle(Model):
    concurrency = 1  # no latency to hide: one episode at a time keeps the working set small

    async def respond(self, request: Request) -> Reply:
        return Reply(text=request.hints.oracle_reply, images=request.hints.oracle_images)


@register_model("identity")
class Identity(Model):
    """Image editing's lower bound on change: the latest image of the conversation, untouched."""

    concurrency = 1
    families = ("editing",)

    async def respond(self, request: Request) -> Reply:
        image = last_image(request.messages)
        return Reply(text="", images=(image,) if image is not None else ())


def random_change(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One random whole-image change: a flip, a blur, a colour shift or a filled rectangle."""
    kind = int(rng.integers(4))
    if kind == 0:
        return image[:, ::-1] if rng.random() < 0.5 else image[::-1]
    if kind == 1:
        return cv2.GaussianBlur(image, (0, 0), float(rng.uniform(1.5, 4.0)))
    if kind == 2:
        return np.clip(image.astype(np.int16) + rng.integers(-60, 61, size=3), 0, 255).astype(np.uint8)
    h, w = image.shape[:2]
    out = image.copy()
    x1, y1 = int(rng.integers(w)), int(rng.integers(h))
    out[y1 : y1 + int(rng.integers(1, h // 2 + 2)), x1 : x1 + int(rng.integers(1, w // 2 + 2))] = rng.integers(
        0, 256, size=3
    )
    return out


@register_model("random")
class RandomBaseline(Model):
    """Picks one of the env's candidate replies with a generator seeded by the request (reproducible)."""

    concurrency = 1

    def __init__(self, seed: int = 0) -> None:
        self.seed = int(seed)

    async def respond(self, request: Request) -> Reply:
        rng = np.random.default_rng([self.seed, request.seed, request.sample_index, request.turn])
        if request.hints.edits_image and (image := last_image(request.messages)) is not None:
            return Reply(text="", images=(Part.of_image(random_change(image.image, rng)),))
        options = request.hints.candidates or ("",)
        choice = options[int(rng.integers(len(options)))]
        return Reply(text=request.hints.reply_template.format(choice))
