"""What an action format is: the prompt that states a GUI model's own action space, the parser of its
replies, the renderer the oracle speaks it with, its function tools, and the coordinate frame its
points live in (the image the model saw, after the model's own resize rule)."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from mmturn.tasks.tools import ToolCall
from mmturn.tasks.types import Action, Reply

Elements = list[tuple[int, int, int, int]] | None  # set-of-marks boxes, for formats that accept an element index


@dataclass(frozen=True)
class Frame:
    """A screen of ``width`` x ``height`` pixels seen by the model as ``frame_w`` x ``frame_h`` units."""

    width: int
    height: int
    frame_w: float
    frame_h: float

    def to_screen(self, x: float, y: float) -> tuple[float, float]:
        return x / self.frame_w * self.width, y / self.frame_h * self.height

    def from_screen(self, x: float, y: float) -> tuple[int, int]:
        return round(x / self.width * self.frame_w), round(y / self.height * self.frame_h)


def smart_resize(height: int, width: int, factor: int, min_pixels: int, max_pixels: int) -> tuple[int, int]:
    """qwen-vl-utils' ``smart_resize``: (height, width) rounded to multiples of ``factor`` with the pixel
    count kept within [min_pixels, max_pixels] and the aspect ratio nearly kept; returns (height, width)."""
    h_bar, w_bar = max(factor, round(height / factor) * factor), max(factor, round(width / factor) * factor)
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar, w_bar = math.ceil(height * beta / factor) * factor, math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


def resized_frame(
    width: int, height: int, image_size: tuple[int, int] | None, factor: int, min_pixels: int, max_pixels: int
) -> Frame:
    """The frame of a model that reads points in pixels of the image after ``smart_resize`` (Qwen2.5-VL, UI-TARS):
    the image sent (``image_size``, w x h; default the screen's size), resized by that rule."""
    w, h = image_size or (width, height)
    rh, rw = smart_resize(h, w, factor, min_pixels, max_pixels)
    return Frame(width, height, rw, rh)


def direction_of(dx: float, dy: float) -> str:
    """A drag's direction from the larger of |dx| and |dy| and its sign (the Qwen team's AndroidControl rule)."""
    if abs(dx) > abs(dy):
        return "right" if dx > 0 else "left"
    return "down" if dy > 0 else "up"


def invalid(text: str, error: str) -> Action:
    return Action(text, "invalid", error=error)


def point_action(text: str, kind: str, x: float, y: float, frame: Frame, **args: Any) -> Action:
    """A point action in screen pixels, or an invalid one when the point is off the model's frame."""
    if not (math.isfinite(x) and math.isfinite(y) and 0 <= x <= frame.frame_w and 0 <= y <= frame.frame_h):
        return invalid(text, f"point ({x:g}, {y:g}) is outside the {frame.frame_w:g}x{frame.frame_h:g} frame")
    sx, sy = frame.to_screen(x, y)
    return Action(text, kind, {"x": sx, "y": sy, **args})


class ActionFormat(ABC):
    """One GUI model family's action space. The harness's actions are AndroidWorld's (``Action.kind`` one
    of its action types, screen pixels in ``args``); a format translates both ways."""

    name: ClassVar[str]
    version: ClassVar[str]
    models: ClassVar[str]  # the model families trained on it (for the README and ``mmturn tasks``)
    point_typing: ClassVar[bool] = True  # its type action can name the field; else the field is clicked first

    def frame(self, width: int, height: int, image_size: tuple[int, int] | None = None) -> Frame:
        """The frame of a ``width`` x ``height`` screen sent as an image of ``image_size`` (w, h; default
        the screen's size), after the format's own resize rule. Default: screen pixels."""
        return Frame(width, height, width, height)

    @abstractmethod
    def prompt(self, frame: Frame, apps: str) -> str:
        """The action space stated in the model's own words (the apps' names given)."""

    def tool_prompt(self, frame: Frame, apps: str) -> str:
        """The prompt when the model is sent ``tools`` natively (tools=true)."""
        return self.prompt(frame, apps)

    @abstractmethod
    def parse(self, text: str, frame: Frame, elements: Elements = None) -> Action:
        """A reply (thinking blocks, prose and garbage included) as an action; never raises."""

    @abstractmethod
    def render(self, action: dict[str, Any], frame: Frame) -> str:
        """An AndroidWorld JSON action (screen pixels) as this model would write it (what the oracle says)."""

    def read(self, reply: Reply, width: int, height: int, elements: Elements = None) -> Action:
        """A whole reply as an action: its first tool call, else its text; points read in the frame of the
        image the model was sent (``reply.image_size``)."""
        frame = self.frame(width, height, reply.image_size)
        if reply.tool_calls:
            return self.parse_call(reply.tool_calls[0], frame, elements)
        return self.parse(reply.text, frame, elements)

    def tools(self, frame: Frame, apps: str) -> list[dict[str, Any]]:
        """Its function tools (OpenAI format) for ``tools=true``; none for text-only formats."""
        return []

    def parse_call(self, call: ToolCall, frame: Frame, elements: Elements = None) -> Action:
        """A native tool call as an action."""
        return invalid(call.arguments, f"the {self.name} action format offers no tools (called {call.name!r})")
