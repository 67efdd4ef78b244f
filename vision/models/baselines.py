"""Scripted baselines that need no weights: ``oracle`` (replays the env's privileged reply; must
score perfectly) and ``random`` (a uniformly drawn candidate answer, instructions ignored)."""
from __future__ import annotations

import numpy as np

from mmturn.tasks.model import Model
from mmturn.tasks.registry import register_model
from mmturn.tasks.types import Reply, Request


@register_model("oracle")
class Oracle(Model):
    concurrency = 1  # no latency to hide: one episode at a time keeps the working set small
    async def respond(self, request: Request) -> Reply:
        return Reply(text=request.privileged.get("oracle_reply", ""))


@register_model("random")
class RandomBaseline(Model):
    """Picks one of the env's candidate replies with a generator seeded by the request (reproducible)."""

    concurrency = 1

    def __init__(self, seed: int = 0) -> None:
        self.seed = int(seed)

    async def respond(self, request: Request) -> Reply:
        options = request.privileged.get("candidates") or [""]
        rng = np.random.default_rng([self.seed, request.seed, request.sample_index, request.turn])
        choice = options[int(rng.integers(len(options)))]
        text = request.privileged.get("random_template", "Looking at the image, the answer is {}.").format(choice)
        return Reply(text=text)
