"""``qwen25vl`` and ``qwen3vl``: Qwen's ``mobile_use`` function, called as
``<tool_call>{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [x, y]}}</tool_call>``
(or natively with ``tools=true``). Qwen2.5-VL points are pixels of the image after its processor's
``smart_resize`` (factor 28, min_pixels 3136, max_pixels 12845056: Qwen2.5-VL's preprocessor config);
Qwen3-VL points are on a 0-1000 scale of the image."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from mmturn.embodied.gui.formats.base import (
    ActionFormat,
    Elements,
    Frame,
    direction_of,
    invalid,
    point_action,
    resized_frame,
)
from mmturn.tasks.tools import ToolCall, function_tool, json_objects, text_tool_calls, validated
from mmturn.tasks.types import Action

QWEN_FACTOR, QWEN_MIN_PIXELS, QWEN_MAX_PIXELS = 28, 56 * 56, 28 * 28 * 16384
FUNCTION = "mobile_use"
ALIASES = {"open_app": "open", "tap": "click", "input_text": "type", "input": "type"}
BUTTONS = {"back": "navigate_back", "home": "navigate_home", "enter": "keyboard_enter"}


class MobileUse(BaseModel):
    action: Literal["click", "long_press", "swipe", "type", "answer", "system_button", "open", "wait", "terminate"] = (
        Field(
            description="The action to perform: click or long_press the point `coordinate`; swipe from `coordinate` "
            "to `coordinate2`; type `text` into the focused field; answer with `text`; press the system `button`; "
            "open the app named `text`; wait `time` seconds; terminate the task with `status`."
        )
    )
    coordinate: list[float] | None = Field(None, description="(x, y). Required by click, long_press and swipe.")
    coordinate2: list[float] | None = Field(None, description="(x, y): where a swipe ends. Required by swipe.")
    text: str | None = Field(None, description="Required by type, answer and open.")
    time: float | None = Field(None, description="Seconds, for long_press and wait.")
    button: Literal["Back", "Home", "Menu", "Enter"] | None = Field(
        None, description="Back returns to the previous screen, Home to the home screen; Enter presses enter."
    )
    status: Literal["success", "failure"] | None = Field(None, description="Required by terminate.")


class Qwen25VL(ActionFormat):
    name = "qwen25vl"
    version = "1"
    models = "Qwen2.5-VL (3B-72B) with its mobile_use agent prompt; GUI-Owl and other Qwen2.5-VL fine-tunes"
    point_typing = False  # `type` writes into the focused field: the oracle taps the field first

    def frame(self, width: int, height: int, image_size: tuple[int, int] | None = None) -> Frame:
        return resized_frame(width, height, image_size, QWEN_FACTOR, QWEN_MIN_PIXELS, QWEN_MAX_PIXELS)

    def _description(self, frame: Frame, apps: str) -> str:
        return (
            "Use a touchscreen to interact with a mobile device, and take screenshots.\n"
            f"* The screen's resolution is {frame.frame_w:g}x{frame.frame_h:g}.\n"
            "* Tap the centre of buttons, icons and fields.\n"
            f"* Apps on the device: {apps}."
        )

    def tools(self, frame: Frame, apps: str) -> list[dict[str, Any]]:
        return [function_tool(FUNCTION, MobileUse, self._description(frame, apps))]

    def prompt(self, frame: Frame, apps: str) -> str:
        tool = json.dumps(self.tools(frame, apps)[0])
        return (
            "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            f"You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{tool}\n</tools>\n\n"
            "For each function call, return a json object with function name and arguments within "
            '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": '
            "<args-json-object>}\n</tool_call>"
        )

    def tool_prompt(self, frame: Frame, apps: str) -> str:
        return f"Act on the device by calling the {FUNCTION} function, one call a turn."

    def parse(self, text: str, frame: Frame, elements: Elements = None) -> Action:
        calls = [c for c in text_tool_calls(text) if c.name == FUNCTION]
        if calls:
            return self._from_call(text, calls[0], frame)
        for data in json_objects(text):  # a bare call, or bare arguments, without the tags
            if data.get("name") == FUNCTION and isinstance(data.get("arguments"), dict):
                return self._action(text, data["arguments"], frame)
            if "action" in data:
                return self._action(text, data, frame)
        return invalid(text, f'no {FUNCTION} call found: expected <tool_call>{{"name": "{FUNCTION}", ...}}</tool_call>')

    def parse_call(self, call: ToolCall, frame: Frame, elements: Elements = None) -> Action:
        return self._from_call(call.arguments, call, frame)

    def _from_call(self, text: str, call: ToolCall, frame: Frame) -> Action:
        if call.name != FUNCTION:
            return invalid(text, f"unknown function {call.name!r}; expected {FUNCTION}")
        arguments = call.args()
        if arguments is None:
            return invalid(text, f"{FUNCTION}: arguments are not a JSON object")
        return self._action(text, arguments, frame)

    def _action(self, text: str, arguments: dict[str, Any], frame: Frame) -> Action:
        action = arguments.get("action")
        arguments = {**arguments, "action": ALIASES.get(action, action) if isinstance(action, str) else action}
        call, error = validated(MobileUse, arguments)
        if error or not isinstance(call, MobileUse):
            return invalid(text, f"{FUNCTION} {error}")
        kind = call.action
        if kind in ("click", "long_press", "swipe"):
            if not call.coordinate or len(call.coordinate) != 2:
                return invalid(text, f"{kind} needs coordinate [x, y]")
            if kind != "swipe":
                return point_action(text, kind, *call.coordinate, frame)
            if not call.coordinate2 or len(call.coordinate2) != 2:
                return invalid(text, "swipe needs coordinate2 [x, y]")
            dx, dy = call.coordinate2[0] - call.coordinate[0], call.coordinate2[1] - call.coordinate[1]
            return Action(text, "swipe", {"direction": direction_of(dx, dy)})
        if kind in ("type", "answer", "open"):
            if call.text is None:
                return invalid(text, f"{kind} needs text")
            if kind == "open":
                return Action(text, "open_app", {"app_name": call.text})
            return Action(text, "input_text" if kind == "type" else "answer", {"text": call.text})
        if kind == "system_button":
            mapped = BUTTONS.get((call.button or "").lower())
            return Action(text, mapped) if mapped else invalid(text, f"system_button {call.button!r} does nothing here")
        if kind == "terminate":
            if call.status is None:
                return invalid(text, "terminate needs status success or failure")
            return Action(text, "status", {"goal_status": "complete" if call.status == "success" else "infeasible"})
        return Action(text, "wait")

    def render(self, action: dict[str, Any], frame: Frame) -> str:
        kind = action["action_type"]
        if kind in ("click", "double_tap", "long_press"):
            arguments: dict[str, Any] = {
                "action": "long_press" if kind == "long_press" else "click",
                "coordinate": list(frame.from_screen(action["x"], action["y"])),
            }
        elif kind in ("scroll", "swipe"):
            finger = action["direction"]
            if kind == "scroll":  # scrolling shows what lies in a direction: the finger moves the other way
                finger = {"up": "down", "down": "up", "left": "right", "right": "left"}[finger]
            cx, cy = frame.width / 2, frame.height / 2
            dx, dy = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}[finger]
            end = (cx + dx * frame.width / 4, cy + dy * frame.height / 4)
            arguments = {
                "action": "swipe",
                "coordinate": list(frame.from_screen(cx, cy)),
                "coordinate2": list(frame.from_screen(*end)),
            }
        elif kind in BUTTONS.values():
            button = next(b for b, k in BUTTONS.items() if k == kind)
            arguments = {"action": "system_button", "button": button.title()}
        elif kind == "open_app":
            arguments = {"action": "open", "text": action["app_name"]}
        elif kind in ("input_text", "answer"):
            arguments = {"action": "type" if kind == "input_text" else "answer", "text": action["text"]}
        elif kind == "status":
            arguments = {
                "action": "terminate",
                "status": "success" if action["goal_status"] == "complete" else "failure",
            }
        else:
            arguments = {"action": "wait", "time": 1}
        return f"<tool_call>\n{json.dumps({'name': FUNCTION, 'arguments': arguments})}\n</tool_call>"


class Qwen3VL(Qwen25VL):
    name = "qwen3vl"
    version = "1"
    models = "Qwen3-VL (2B-235B, Instruct and Thinking) with its mobile_use agent prompt"

    def frame(self, width: int, height: int, image_size: tuple[int, int] | None = None) -> Frame:
        return Frame(width, height, 1000, 1000)  # relative: the image's size does not matter
