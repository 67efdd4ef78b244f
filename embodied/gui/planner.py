"""The oracle's planner: turns a goal's next plan step into a concrete AndroidWorld action on the
current screen (scrolling lists until the element shows), and says what that step is in words (the
low-level instruction of step-wise tasks)."""

from __future__ import annotations

from typing import Any

from mmturn.embodied.gui.device import Device
from mmturn.embodied.gui.goals import Goal, Step
from mmturn.embodied.gui.views import View


def step_instruction(step: Step | None, goal: Goal) -> str:
    if step is None:
        return "Mark the task as complete." if goal.feasible else "Report that the task is infeasible."
    kind = step[0]
    return {
        "open": lambda: f"Open the {step[1]} app.",
        "tap": lambda: f"Tap '{step[1]}'.",
        "icon": lambda: f"Tap the '{step[1]}' button.",
        "toggle": lambda: f"Toggle '{step[1]}'.",
        "type": lambda: f"Type '{step[2]}' into the {step[1]} field.",
        "answer": lambda: f"Answer '{step[1]}'.",
    }[kind]()


def _find(device: Device, step: Step) -> View | None:
    root, handlers = device.screen()
    views = [v for v in root.walk() if id(v) in handlers]
    kind = step[0]
    if kind == "tap":
        found = [v for v in views if v.text == step[1] and v.kind in ("list_item", "button", "launcher_icon")]
    elif kind == "icon":
        found = [v for v in views if v.desc == step[1] and v.kind in ("icon_button", "fab")]
    elif kind == "toggle":
        found = [v for v in views if v.kind in ("switch", "checkbox") and v.desc == step[1]]
    else:
        found = [v for v in views if v.kind == "text_field" and v.desc == step[1]]
    return found[-1] if found else None


def next_action(
    device: Device, goal: Goal, k: int, memo: dict[str, Any], point_typing: bool = True
) -> tuple[dict[str, Any], bool]:
    """The oracle's action for plan step ``k`` and whether doing it completes that step. A step's
    element that is not on screen is searched for by scrolling down, then up. Without ``point_typing``
    (formats whose typing names no field) a field is tapped first, then typed into."""
    if k >= len(goal.plan):
        return {"action_type": "status", "goal_status": "complete" if goal.feasible else "infeasible"}, True
    step = goal.plan[k]
    if step[0] == "open":
        return {"action_type": "open_app", "app_name": step[1]}, True
    if step[0] == "answer":
        return {"action_type": "answer", "text": step[1]}, True
    view = _find(device, step)
    if view is not None:
        x, y = view.center
        if step[0] == "type" and not point_typing:
            if view.focused:
                return {"action_type": "input_text", "text": step[2]}, True
            return {"action_type": "click", "x": x, "y": y}, False
        if step[0] == "type":
            return {"action_type": "input_text", "x": x, "y": y, "text": step[2]}, True
        return {"action_type": "click", "x": x, "y": y}, True
    page = device.page
    position = page.scroll if page else 0
    if memo.get("last_scroll") == position and memo.get("direction", "down") == "down":
        memo["direction"] = "up"  # the end of the list: search upwards
    memo["last_scroll"] = position
    return {"action_type": "scroll", "direction": memo.get("direction", "down")}, False
