"""``forward``: walks straight ahead and stops when it bumps into something (it reads the env's
feedback in the turn text, never privileged data)."""

from __future__ import annotations

from mmturn.tasks.model import Model
from mmturn.tasks.registry import register_model
from mmturn.tasks.types import Reply, Request


@register_model("forward")
class Forward(Model):
    concurrency = 1
    families = ("navigation",)

    async def respond(self, request: Request) -> Reply:
        text = "".join(p.text for p in request.messages[-1].parts if p.kind == "text")
        return Reply(text="STOP" if "bumped into" in text else "MOVE_FORWARD")
