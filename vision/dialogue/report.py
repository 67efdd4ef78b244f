"""How image-dialogue turns show in the report: the exact answer or MMDU's reference beside the reply."""

from __future__ import annotations

from typing import Any

from mmturn.tasks.views import Renderer, TurnView


class DialogueRenderer(Renderer):
    def turn(self, record: dict[str, Any]) -> TurnView:
        target = record.get("target") or {}
        shown = []
        if isinstance(target.get("answer"), dict) and "value" in target["answer"]:
            shown.append(f"answer: {target['answer']['value']}")
        if target.get("reference"):
            shown.append(f"reference: {target['reference']}")
        return TurnView(expected=" · ".join(shown))
