"""``uitars``: UI-TARS-1.5's mobile action space,
``Thought: ...\\nAction: click(start_box='<|box_start|>(x,y)<|box_end|>')`` (points also as ``(x,y)``,
``(x1,y1,x2,y2)`` boxes or ``<point>x y</point>``), in pixels of the image after UI-TARS's ``smart_resize``
(factor 28, min_pixels 100x28x28, max_pixels 16384x28x28). ``finished(content=...)`` ends the task (its
content is the answer), ``call_user()`` declares it infeasible."""

from __future__ import annotations

import ast
import re
from typing import Any

from mmturn.embodied.gui.formats.base import (
    ActionFormat,
    Elements,
    Frame,
    direction_of,
    invalid,
    point_action,
    resized_frame,
)
from mmturn.tasks.types import Action

TARS_FACTOR, TARS_MIN_PIXELS, TARS_MAX_PIXELS = 28, 100 * 28 * 28, 16384 * 28 * 28
FUNCTIONS = (
    "click left_single long_press type scroll drag open_app press_home press_back press_enter hotkey wait finished "
    "call_user"
).split()
_CALL_RE = re.compile(r"\b(" + "|".join(FUNCTIONS) + r")\s*\(")
_NUMBER = r"-?\d+(?:\.\d+)?"
SPACE = """## Action Space
click(start_box='<|box_start|>(x1,y1)<|box_end|>')
long_press(start_box='<|box_start|>(x1,y1)<|box_end|>')
type(content='') # To submit what you typed, end content with "\\n".
scroll(start_box='<|box_start|>(x1,y1)<|box_end|>', direction='down or up or right or left')
open_app(app_name='')
drag(start_box='<|box_start|>(x1,y1)<|box_end|>', end_box='<|box_start|>(x3,y3)<|box_end|>')
press_home()
press_back()
wait()
call_user() # The task cannot be done, or needs the user.
finished(content='xxx') # The task is done; content holds the answer when the task asks for one."""


def _call(text: str) -> ast.Call | None:
    """The first call of a known function in ``text``, read with Python's own parser (quotes and
    escapes in typed text included)."""
    for match in _CALL_RE.finditer(text):
        for end in [m.end() for m in re.finditer(r"\)", text[match.start() :])]:
            try:
                node = ast.parse(text[match.start() : match.start() + end].strip(), mode="eval").body
            except (SyntaxError, ValueError):
                continue
            if isinstance(node, ast.Call):
                return node
    return None


def _arguments(node: ast.Call) -> dict[str, Any]:
    values = {}
    for k, arg in enumerate(node.args):
        values[f"_{k}"] = arg.value if isinstance(arg, ast.Constant) else None
    for kw in node.keywords:
        values[kw.arg or "_"] = kw.value.value if isinstance(kw.value, ast.Constant) else None
    return values


def _point(value: Any) -> tuple[float, float] | None:
    """A point from a box string: two numbers, or a box's four (its centre)."""
    numbers = [float(n) for n in re.findall(_NUMBER, str(value))] if value is not None else []
    if len(numbers) >= 4:
        return (numbers[0] + numbers[2]) / 2, (numbers[1] + numbers[3]) / 2
    return (numbers[0], numbers[1]) if len(numbers) >= 2 else None


def _box(x: int, y: int) -> str:
    return f"<|box_start|>({x},{y})<|box_end|>"


class UITars(ActionFormat):
    name = "uitars"
    version = "1"
    models = "UI-TARS-1.5 (7B) and UI-TARS-1.5-based agents with the mobile prompt"
    point_typing = False  # `type` writes into the focused field: the oracle taps the field first

    def frame(self, width: int, height: int, image_size: tuple[int, int] | None = None) -> Frame:
        return resized_frame(width, height, image_size, TARS_FACTOR, TARS_MIN_PIXELS, TARS_MAX_PIXELS)

    def prompt(self, frame: Frame, apps: str) -> str:
        return (
            "You are a GUI agent. You are given a task and your action history, with screenshots. "
            "You need to perform the next action to complete the task.\n\n"
            "## Output Format\n```\nThought: ...\nAction: ...\n```\n\n"
            f"{SPACE}\n\n## Note\n- Use English in `Thought` part.\n"
            "- Write a small plan and finally summarize your next action (with its target element) in one "
            f"sentence in `Thought` part.\n- Apps on the device: {apps}."
        )

    def parse(self, text: str, frame: Frame, elements: Elements = None) -> Action:
        tail = text.rsplit("Action:", 1)[-1]
        node = _call(tail) or _call(text)
        if node is None or not isinstance(node.func, ast.Name):
            return invalid(text, "no action found: expected Action: click(start_box='(x,y)') or another UI-TARS action")
        name, args = node.func.id, _arguments(node)
        first = next(iter(args.values()), None)
        if name in ("click", "left_single", "long_press"):
            point = _point(args.get("start_box", args.get("point", first)))
            if point is None:
                return invalid(text, f"{name} needs start_box='(x,y)'")
            return point_action(text, "long_press" if name == "long_press" else "click", *point, frame)
        if name == "type":
            content = args.get("content", first)
            if not isinstance(content, str):
                return invalid(text, "type needs content='...'")
            return Action(text, "input_text", {"text": content.rstrip("\n")})
        if name == "scroll":
            direction = str(args.get("direction", "")).strip().lower()
            if direction not in ("up", "down", "left", "right"):
                return invalid(text, "scroll needs direction='up', 'down', 'left' or 'right'")
            return Action(text, "scroll", {"direction": direction})
        if name == "drag":
            start, end = _point(args.get("start_box")), _point(args.get("end_box"))
            if start is None or end is None:
                return invalid(text, "drag needs start_box and end_box")
            return Action(text, "swipe", {"direction": direction_of(end[0] - start[0], end[1] - start[1])})
        if name == "open_app":
            app = args.get("app_name", first)
            return Action(text, "open_app", {"app_name": str(app)}) if app else invalid(text, "open_app needs app_name")
        if name == "finished":
            content = args.get("content", first)
            return Action(text, "status", {"goal_status": "complete", **({"text": content} if content else {})})
        if name == "hotkey" and str(args.get("key", first)).lower() != "enter":
            return invalid(text, f"hotkey {args.get('key', first)!r} does nothing here")
        return Action(
            text,
            {
                "press_home": "navigate_home",
                "press_back": "navigate_back",
                "press_enter": "keyboard_enter",
                "hotkey": "keyboard_enter",
                "wait": "wait",
                "call_user": "status",
            }[name],
            {"goal_status": "infeasible"} if name == "call_user" else {},
        )

    def render(self, action: dict[str, Any], frame: Frame) -> str:
        kind = action["action_type"]
        centre = frame.from_screen(frame.width / 2, frame.height / 2)
        if kind in ("click", "double_tap", "long_press"):
            x, y = frame.from_screen(action["x"], action["y"])
            call = f"{'long_press' if kind == 'long_press' else 'click'}(start_box='{_box(x, y)}')"
        elif kind == "scroll":
            call = f"scroll(start_box='{_box(*centre)}', direction='{action['direction']}')"
        elif kind == "swipe":
            dx, dy = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}[action["direction"]]
            end = frame.from_screen(frame.width / 2 * (1 + dx / 2), frame.height / 2 * (1 + dy / 2))
            call = f"drag(start_box='{_box(*centre)}', end_box='{_box(*end)}')"
        elif kind == "input_text":
            call = f"type(content={action['text']!r})"
        elif kind == "open_app":
            call = f"open_app(app_name={action['app_name']!r})"
        elif kind == "answer":
            call = f"finished(content={action['text']!r})"
        elif kind == "status":
            call = "finished(content='')" if action["goal_status"] == "complete" else "call_user()"
        else:
            call = {
                "navigate_back": "press_back()",
                "navigate_home": "press_home()",
                "keyboard_enter": "hotkey(key='enter')",
            }.get(kind, "wait()")
        return f"Thought: The next step is {kind.replace('_', ' ')}.\nAction: {call}"
