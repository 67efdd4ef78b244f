"""``clip-nav``: a zero-shot navigation agent in the spirit of VLN-CM. It splits the instruction into
landmark phrases; for each, it picks the panorama view most similar to the phrase under an open_clip
model (from a local checkpoint), turns to face it and walks a few metres; then the next landmark;
then STOP. Needs the env's panorama (``--task-args panorama=true``)."""

from __future__ import annotations

import asyncio
import re

from mmturn.tasks.model import Model
from mmturn.tasks.registry import register_model
from mmturn.tasks.types import Reply, Request
from mmturn.vision.clip import ClipEmbedder


def landmarks(instruction: str) -> list[str]:
    """The instruction's clauses, in order: "Leave the brick room, go through ..., and stop next to the barrel."."""
    clauses = re.split(r",\s*(?:and\s+)?|\.\s+|\s+then\s+", instruction.strip().rstrip("."))
    return [c.strip() for c in clauses if c.strip()]


@register_model("clip-nav")
class ClipNav(Model):
    concurrency = 1
    families = ("navigation",)

    def __init__(
        self,
        model: str = "ViT-B-32",
        pretrained: str | None = None,
        model_config: str | None = None,
        device: str = "cpu",
        forward_steps: int = 8,
    ) -> None:
        self.model, self.pretrained, self.device, self.forward_steps = model, pretrained, device, int(forward_steps)
        self._clip = ClipEmbedder(model, pretrained, model_config, device)
        self._episodes: dict[tuple[int, int], dict] = {}

    def _plan(self, state: dict, views: list) -> list[str]:
        """Face the view that best matches the next landmark, then walk."""
        view = int(self._clip.similarity(views, [state["landmarks"][state["next"]]])[:, 0].argmax())
        state["next"] += 1
        turns = (
            ["TURN_LEFT"] * (2 * view) if view <= len(views) // 2 else ["TURN_RIGHT"] * (2 * (len(views) - view))
        )  # 30 degree views, 15 degree turns
        return turns + ["MOVE_FORWARD"] * self.forward_steps

    async def respond(self, request: Request) -> Reply:
        parts = request.messages[-1].parts
        texts = [p.text for p in parts if p.kind == "text"]
        start = next((k for k, p in enumerate(parts) if p.kind == "text" and p.text.startswith("Panorama")), None)
        if start is None:
            return Reply(text="STOP", error="clip-nav needs the panorama: run with --task-args panorama=true")
        views = [p.image for p in parts[start + 1 :] if p.kind == "image"]
        key = (request.seed, request.sample_index)
        if request.turn == 0 or key not in self._episodes:
            instruction = re.search(r"Instruction:\s*(.*)", texts[-1])
            self._episodes[key] = {
                "landmarks": landmarks(instruction.group(1) if instruction else ""),
                "next": 0,
                "queue": [],
            }
        state = self._episodes[key]
        if "bumped into" in texts[-1]:
            state["queue"].clear()
        if not state["queue"]:
            if state["next"] >= len(state["landmarks"]):
                self._episodes.pop(key, None)
                return Reply(text="STOP")
            state["queue"] = await asyncio.to_thread(self._plan, state, views)
        return Reply(text=state["queue"].pop(0))
