"""``androidworld``: AndroidWorld's JSON actions (the default), with points in screen pixels or, by
``coords``, as fractions (SeeClick) or on a 0-1000 scale; as function tools, one function per action
type, their schemas generated from the pydantic models below."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from mmturn.embodied.gui.actions import COORDS, coordinate_hint, from_pixels, parse_action
from mmturn.embodied.gui.formats.base import ActionFormat, Elements, Frame, invalid
from mmturn.tasks.tools import NoArguments, ToolCall, function_tool
from mmturn.tasks.types import Action

HELP = (
    'Reply with one JSON action: {{"action_type": "click", "x": .., "y": ..}}, "long_press" (x, y), '
    '"input_text" (x, y of the field and "text"), "scroll" ("direction": up/down/left/right), "navigate_back", '
    '"navigate_home", "open_app" ("app_name"), "keyboard_enter", "wait", "answer" ("text"), or '
    '"status" ("goal_status": "complete" or "infeasible"). Points are {hint}. Apps: {apps}.'
)
Direction = Literal["up", "down", "left", "right"]


class Point(BaseModel):
    x: float = Field(description="horizontal position")
    y: float = Field(description="vertical position")


class Click(Point):
    """Tap the element at a point."""


class LongPress(Point):
    """Press and hold the element at a point."""


class DoubleTap(Point):
    """Tap the element at a point twice."""


class InputText(BaseModel):
    """Type text into the text field at a point (it is tapped first), then press Enter."""

    text: str
    x: float | None = Field(None, description="horizontal position of the field")
    y: float | None = Field(None, description="vertical position of the field")


class Scroll(BaseModel):
    """Scroll the screen to show more of what lies in the direction."""

    direction: Direction


class Swipe(BaseModel):
    """Swipe a finger across the screen in the direction."""

    direction: Direction


class OpenApp(BaseModel):
    """Open an app by its name."""

    app_name: str


class Answer(BaseModel):
    """Give the answer that the goal asks for."""

    text: str


class Status(BaseModel):
    """End the task: it is complete, or it cannot be done."""

    goal_status: Literal["complete", "infeasible"]


ACTIONS: dict[str, tuple[type[BaseModel], str | None]] = {
    "click": (Click, None),
    "double_tap": (DoubleTap, None),
    "long_press": (LongPress, None),
    "input_text": (InputText, None),
    "scroll": (Scroll, None),
    "swipe": (Swipe, None),
    "navigate_back": (NoArguments, "Go back to the previous screen."),
    "navigate_home": (NoArguments, "Go to the home screen."),
    "open_app": (OpenApp, None),
    "keyboard_enter": (NoArguments, "Press Enter on the keyboard."),
    "wait": (NoArguments, "Wait for the screen to change."),
    "answer": (Answer, None),
    "status": (Status, None),
}


class AndroidWorld(ActionFormat):
    name = "androidworld"
    version = "1"
    models = "any model prompted with AndroidWorld's JSON actions (M3A / T3A style agents, GPT-4o, Gemini, Claude)"

    def __init__(self, coords: str = "pixel") -> None:
        if coords not in COORDS:
            raise ValueError(f"coords must be one of {', '.join(COORDS)}, got {coords!r}")
        self.coords = coords

    def prompt(self, frame: Frame, apps: str) -> str:
        return HELP.format(hint=coordinate_hint(self.coords, frame.width, frame.height), apps=apps)

    def parse(self, text: str, frame: Frame, elements: Elements = None) -> Action:
        return parse_action(text, self.coords, frame.width, frame.height, elements)

    def render(self, action: dict[str, Any], frame: Frame) -> str:
        if "x" in action:
            x, y = from_pixels(action["x"], action["y"], self.coords, frame.width, frame.height)
            action = {**action, "x": x, "y": y}
        return json.dumps(action)

    def tools(self, frame: Frame, apps: str) -> list[dict[str, Any]]:
        hint = coordinate_hint(self.coords, frame.width, frame.height)
        return [
            function_tool(
                name,
                model,
                f"{description or model.__doc__} "
                + (f"Apps: {apps}." if name == "open_app" else f"Points are {hint}."),
            )
            for name, (model, description) in ACTIONS.items()
        ]

    def parse_call(self, call: ToolCall, frame: Frame, elements: Elements = None) -> Action:
        arguments = call.args()
        if arguments is None:
            return invalid(call.arguments, f"{call.name}: arguments are not a JSON object")
        if call.name not in ACTIONS:
            return invalid(call.arguments, f"unknown function {call.name!r}; expected one of {', '.join(ACTIONS)}")
        return self.parse(json.dumps({**arguments, "action_type": call.name}), frame, elements)
