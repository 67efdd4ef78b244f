"""GUI agents' own action formats: ``androidworld`` (JSON, the default), ``qwen25vl`` and ``qwen3vl``
(Qwen's ``mobile_use`` function call) and ``uitars`` (UI-TARS-1.5's ``Action: click(start_box=...)``).
``parse`` reads any reply in any of them as an AndroidWorld action in screen pixels."""

from __future__ import annotations

from mmturn.embodied.gui.formats.androidworld import AndroidWorld
from mmturn.embodied.gui.formats.base import ActionFormat, Elements, Frame, smart_resize
from mmturn.embodied.gui.formats.qwen import Qwen3VL, Qwen25VL
from mmturn.embodied.gui.formats.uitars import UITars
from mmturn.tasks.types import Action

FORMATS: dict[str, type[ActionFormat]] = {f.name: f for f in (AndroidWorld, Qwen25VL, Qwen3VL, UITars)}

__all__ = ["FORMATS", "ActionFormat", "Frame", "get_format", "parse", "smart_resize"]


def get_format(name: str, coords: str = "pixel") -> ActionFormat:
    """The format called ``name``; ``coords`` (pixel, norm1, norm1000) applies to ``androidworld`` only."""
    if name not in FORMATS:
        raise ValueError(f"action_format must be one of {', '.join(FORMATS)}, got {name!r}")
    if name == AndroidWorld.name:
        return AndroidWorld(coords)
    if coords != "pixel":
        raise ValueError(f"coords={coords} applies to action_format=androidworld only; {name} has its own frame")
    return FORMATS[name]()


def parse(
    text: str,
    action_format: str,
    width: int,
    height: int,
    image_size: tuple[int, int] | None = None,
    *,
    coords: str = "pixel",
    elements: Elements = None,
) -> Action:
    """A reply written in ``action_format`` as an AndroidWorld action on a ``width`` x ``height`` screen:
    ``kind`` an AndroidWorld action type or ``invalid`` (with ``error``), points as screen pixels
    ``x``/``y`` in ``args``. ``image_size`` (w, h) is the image the model was sent; by default the screen's
    size, which the format's own resize rule (Qwen's and UI-TARS's ``smart_resize``) then maps."""
    fmt = get_format(action_format, coords)
    return fmt.parse(text, fmt.frame(width, height, image_size), elements)
