"""AndroidWorld's JSON action vocabulary, parsed from free model text, with the coordinate
conventions models use: absolute pixels, normalised [0, 1] (SeeClick) or [0, 1000) (Qwen-VL), or an
element index. Parsing never raises: a reply that does not parse is an Action with ``error``."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from mmturn.tasks.types import Action

ACTION_TYPES = (
    "click",
    "double_tap",
    "long_press",
    "input_text",
    "scroll",
    "swipe",
    "navigate_back",
    "navigate_home",
    "open_app",
    "keyboard_enter",
    "wait",
    "answer",
    "status",
)
DIRECTIONS = ("up", "down", "left", "right")
COORDS = ("pixel", "norm1", "norm1000")
_NUMBER = r"-?\d+(?:\.\d+)?"


def coordinate_hint(coords: str, width: int, height: int) -> str:
    """How a prompt tells the model which coordinate convention to answer in."""
    return {
        "pixel": f"x and y in pixels of the {width}x{height} screenshot",
        "norm1": "x and y as fractions of the screenshot's width and height, between 0 and 1",
        "norm1000": "x and y on a 0-1000 scale of the screenshot's width and height",
    }[coords]


def to_pixels(x: float, y: float, coords: str, width: int, height: int) -> tuple[float, float]:
    if coords == "norm1":
        return x * width, y * height
    if coords == "norm1000":
        return x / 1000 * width, y / 1000 * height
    return x, y


def from_pixels(x: float, y: float, coords: str, width: int, height: int) -> tuple[float, float]:
    """A pixel point in a model's convention (what the oracle answers)."""
    if coords == "norm1":
        return round(x / width, 4), round(y / height, 4)
    if coords == "norm1000":
        return round(x / width * 1000), round(y / height * 1000)
    return round(x), round(y)


def _json_object(text: str) -> dict[str, Any] | None:
    for match in re.finditer(r"\{[^{}]*\}", text, flags=re.DOTALL):
        try:
            data = json.loads(match.group())
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    return None


def _finite(*values: Any) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values)


def parse_action(
    text: str, coords: str, width: int, height: int, elements: list[tuple[int, int, int, int]] | None = None
) -> Action:
    """One reply as an AndroidWorld action. JSON first (``{"action_type": "click", "x": .., "y": ..}``);
    otherwise a Qwen-VL box ``(x1,y1),(x2,y2)`` (its centre) or a bare ``x, y`` point means a click.
    Points are converted to screen pixels; an ``index`` is resolved to that element's centre."""
    data = _json_object(text)
    if data is not None:
        return _from_json(text, data, coords, width, height, elements)
    numbers = [float(n) for n in re.findall(_NUMBER, text)]
    if re.search(r"box|\(\s*" + _NUMBER + r"\s*,\s*" + _NUMBER + r"\s*\)\s*,\s*\(", text) and len(numbers) >= 4:
        x1, y1, x2, y2 = numbers[:4]
        return _click(text, (x1 + x2) / 2, (y1 + y2) / 2, coords, width, height)
    if len(numbers) >= 2:
        return _click(text, numbers[0], numbers[1], coords, width, height)
    return Action(
        text,
        "invalid",
        error='no action found: expected JSON like {"action_type": "click", "x": 10, "y": 20} or a point x, y',
    )


def _click(text: str, x: float, y: float, coords: str, width: int, height: int, kind: str = "click") -> Action:
    px, py = to_pixels(x, y, coords, width, height)
    if not (0 <= px <= width and 0 <= py <= height):
        return Action(
            text, "invalid", {"x": px, "y": py}, error=f"point ({x}, {y}) is outside the screen in {coords} coordinates"
        )
    return Action(text, kind, {"x": px, "y": py})


def _from_json(text: str, data: dict[str, Any], coords: str, width: int, height: int, elements) -> Action:
    kind = data.get("action_type")
    if kind not in ACTION_TYPES:
        return Action(text, "invalid", error=f"unknown action_type {kind!r}; expected one of {', '.join(ACTION_TYPES)}")
    if kind in ("click", "double_tap", "long_press") or (kind == "input_text" and ("x" in data or "index" in data)):
        if "index" in data:
            index = data["index"]
            if (
                not isinstance(index, int)
                or isinstance(index, bool)
                or elements is None
                or not 0 <= index < len(elements)
            ):
                return Action(text, "invalid", error=f"index {index!r} names no element")
            x1, y1, x2, y2 = elements[index]
            point = Action(text, kind, {"x": (x1 + x2) / 2, "y": (y1 + y2) / 2, "index": index})
        elif _finite(data.get("x"), data.get("y")):
            point = _click(text, data["x"], data["y"], coords, width, height, kind)
        else:
            return Action(text, "invalid", error=f"{kind} needs numeric x and y (or an element index)")
        if kind != "input_text" or point.error:
            return point
        return Action(text, kind, {**point.args, "text": str(data.get("text", ""))})
    if kind in ("scroll", "swipe"):
        direction = data.get("direction")
        if direction not in DIRECTIONS:
            return Action(text, "invalid", error=f"{kind} needs direction in {', '.join(DIRECTIONS)}")
        return Action(text, kind, {"direction": direction})
    if kind in ("input_text", "answer"):
        return Action(text, kind, {"text": str(data.get("text", ""))})
    if kind == "open_app":
        return Action(text, kind, {"app_name": str(data.get("app_name", ""))})
    if kind == "status":
        status = data.get("goal_status")
        if status not in ("complete", "infeasible"):
            return Action(text, "invalid", error="status needs goal_status 'complete' or 'infeasible'")
        return Action(text, kind, {"goal_status": status})
    return Action(text, kind)
