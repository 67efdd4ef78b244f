"""How GUI turns show in the report: the predicted click on the screenshot (or the action's name), the
target element's box, and the goal or gold action the turn expected."""

from __future__ import annotations

from typing import Any

from mmturn.tasks.views import GREEN, Renderer, TurnView

SHOWN_ARGS = ("direction", "app_name", "text", "goal_status")


def action_label(details: dict[str, Any]) -> str | None:
    """A predicted action without a point, as a short label: "scroll down", "open_app Clock"."""
    kind = details.get("action")
    if not kind or kind == "reply":
        return None
    args = details.get("args") or {}
    return " ".join([kind] + [str(v) for k, v in args.items() if k in SHOWN_ARGS])


class GuiRenderer(Renderer):
    def turn(self, record: dict[str, Any]) -> TurnView:
        target, details = record.get("target") or {}, record.get("details") or {}
        shown = [f"{k}: {target[k]}" for k in ("goal", "instruction") if target.get(k)]
        if isinstance(target.get("gold"), dict):
            gold = target["gold"]
            shown.append(
                " ".join(
                    [f"gold action: {gold.get('kind')}", *(f"{k}={v}" for k, v in (gold.get("args") or {}).items())]
                )
            )
        boxes = ()
        if isinstance(target.get("bbox"), list) and len(target["bbox"]) == 4:
            shown.append(f"target box (green): {[round(v) for v in target['bbox']]}")
            boxes = (("target", tuple(target["bbox"]), GREEN),)
        point = details.get("point")
        return TurnView(" · ".join(shown), tuple(point) if point else None, action_label(details), boxes)
