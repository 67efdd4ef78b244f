"""``forgetful``: answers correctly but follows only the newest instruction, so PIF falls as
instructions accumulate while accuracy stays high."""

from __future__ import annotations

from mmturn.tasks.model import Model
from mmturn.tasks.registry import register_model
from mmturn.tasks.types import Reply, Request
from mmturn.vision.dialogue.realize import plain_reply, realize


@register_model("forgetful")
class Forgetful(Model):
    concurrency = 1
    families = ("dialogue",)

    async def respond(self, request: Request) -> Reply:
        answer = request.hints.answer_text
        newest = request.hints.newest_instruction
        text = realize(answer, [tuple(newest)]) if newest else None
        return Reply(text=text or plain_reply(answer))
