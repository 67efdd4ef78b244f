"""GUI grounding (ScreenSpot style): each turn shows a screen and names one element; the reply is a
click point, correct when it falls inside the element's bounds (edges included). Synthetic screens
from the eight apps, and users' ScreenSpot / ScreenSpot-Pro annotation files."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from mmturn.assets import ASSETS
from mmturn.embodied.gui import formats
from mmturn.embodied.gui.actions import coordinate_hint
from mmturn.embodied.gui.app_data import clock_time
from mmturn.embodied.gui.apps import APP_CLASSES, make_apps
from mmturn.embodied.gui.device import Device
from mmturn.embodied.gui.render import THEMES, render
from mmturn.embodied.gui.views import View, accessibility_tree
from mmturn.tasks.datasets import DatasetError, check_image, load_image, read_json, require
from mmturn.tasks.env import DialogueEnv
from mmturn.tasks.registry import register_env
from mmturn.tasks.spaces import UnicodeText
from mmturn.tasks.types import Episode, Hints, Part, Turn, TurnResult
from mmturn.vision.geometry import point_in_box, xywh_to_xyxy

CLICK_TYPES = ("click", "double_tap", "long_press")
NAV = {
    "nav_back": "Go back",
    "nav_home": "Go to the home screen",
    "nav_recent": "Show recent apps",
    "back": "Navigate up",
}


@dataclass
class Target:
    """A groundable element and the instruction that names it, by its text or by its icon's meaning."""

    view: View
    instruction: str
    kind: str  # ScreenSpot's data_type: "text" or "icon"


def targets(root: View) -> list[Target]:
    """Every element an instruction can name unambiguously on this screen."""
    found = []
    for v in root.walk():
        if v.kind == "list_item" and v.text:
            found.append(Target(v, f"Tap '{v.text}'", "text"))
        elif v.kind in ("switch", "checkbox"):
            found.append(Target(v, f"Toggle the {v.kind} for '{v.desc}'", "icon"))
        elif v.kind in ("icon_button", "fab") and (v.icon in NAV or v.desc):
            found.append(Target(v, NAV.get(v.icon, v.desc), "icon"))
        elif v.kind == "button":
            found.append(Target(v, f"Tap the '{v.text}' button", "text"))
        elif v.kind == "text_field":
            found.append(Target(v, f"Tap the '{v.desc}' field", "text"))
        elif v.kind == "launcher_icon":
            found.append(Target(v, f"Open the {v.text} app", "text"))
        elif v.kind == "tab":
            found.append(Target(v, f"Go to the '{v.text}' tab", "text"))
    counts = Counter(t.instruction for t in found)
    return [t for t in found if counts[t.instruction] == 1]


def random_screen(rng, app: str, width: int, height: int, theme: str) -> Device:
    """A device showing a seeded state of ``app``: its main page, scrolled, or a page one tap deeper."""
    device = Device(make_apps(rng), width, height, theme, clock=clock_time(rng))
    device.open_app(app)
    device.page.scroll = int(rng.integers(0, 4))
    if rng.random() < 0.3:  # one tap deeper: a row, or the floating action button
        root, handlers = device.screen()
        deeper = [v for v in root.walk() if id(v) in handlers and v.kind in ("list_item", "fab")]
        if deeper:
            handlers[id(deeper[int(rng.integers(len(deeper)))])]()
            device.changed()
    return device


def prompt(instruction: str, fmt: formats.ActionFormat, width: int, height: int) -> str:
    if isinstance(fmt, formats.AndroidWorld):
        return (
            f"Instruction: {instruction}.\nWhere should I click? Reply with one JSON action such as "
            f'{{"action_type": "click", "x": ..., "y": ...}}, with {coordinate_hint(fmt.coords, width, height)}.'
        )
    return f"{fmt.prompt(fmt.frame(width, height), 'none')}\n\nClick the element: {instruction}."


def grounding_turn(
    image, instruction: str, bbox: list[float], kind: str, source: dict[str, Any], fmt: formats.ActionFormat, rng
) -> Turn:
    """One turn: the screenshot, the instruction, the target box; the oracle clicks the box centre (in the
    task's action format)."""
    height, width = image.shape[:2]
    frame = fmt.frame(width, height)
    cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    target = {
        "bbox": [float(v) for v in bbox],
        "type": kind,
        "action_format": fmt.name,
        "coords": getattr(fmt, "coords", "pixel"),
        "width": width,
        "height": height,
        "instruction": instruction,
        **source,
    }

    def click(x: float, y: float) -> str:
        return fmt.render({"action_type": "click", "x": x, "y": y}, frame)

    randoms = [click(float(rng.uniform(0, width)), float(rng.uniform(0, height))) for _ in range(8)]
    hints = Hints(oracle_reply=click(cx, cy), candidates=tuple(randoms), reply_template="{}")
    return Turn((Part.of_image(image), Part.of_text(prompt(instruction, fmt, width, height))), target, hints)


def score_click(reply: str, target: dict[str, Any]) -> TurnResult:
    """accuracy = 1 when the reply's click point lies in the target box; an unparseable reply is wrong."""
    action = formats.parse(
        reply, target.get("action_format", "androidworld"), target["width"], target["height"], coords=target["coords"]
    )
    hit = action.kind in CLICK_TYPES and point_in_box(action.args["x"], action.args["y"], target["bbox"])
    details = {"point": [action.args["x"], action.args["y"]] if "x" in action.args else None, "action": action.kind}
    return TurnResult({"accuracy": float(hit), "reward": float(hit)}, target, error=action.error, details=details)


class _Grounding(DialogueEnv):
    action_format: formats.ActionFormat

    def score(self, reply: str, target: dict[str, Any]) -> TurnResult:
        return score_click(reply, target)

    def facts(self) -> dict[str, Any]:
        return {"action_format": self.action_format.name, "action_format_version": self.action_format.version}


@register_env("GuiGrounding-v0")
class GuiGroundingEnv(_Grounding):
    """``turns`` screens from the eight apps (light or dark theme, scrolled lists), one target each.
    The observation also carries the screen's accessibility tree (JSON) for text-only agents."""

    extra_spaces = {"a11y": UnicodeText()}

    def __init__(
        self,
        turns: int = 5,
        width: int = 1080,
        height: int = 2400,
        coords: str = "pixel",
        apps: tuple[str, ...] | None = None,
        themes: tuple[str, ...] = tuple(THEMES),
        action_format: str = "androidworld",
    ) -> None:
        super().__init__()
        self.action_format = formats.get_format(action_format, coords)
        self.turns, self.width, self.height, self.coords = int(turns), int(width), int(height), coords
        self.apps, self.themes = tuple(apps or APP_CLASSES), tuple(themes)
        self.trees: list[str] = []

    def make_episode(self, options: dict[str, Any]) -> Episode:
        rng = self.np_random
        turns, self.trees = [], []
        for _ in range(self.turns):
            app = self.apps[int(rng.integers(len(self.apps)))]
            theme = self.themes[int(rng.integers(len(self.themes)))]
            device = random_screen(rng, app, self.width, self.height, theme)
            root = device.screen()[0]
            options_ = targets(root)
            target = options_[int(rng.integers(len(options_)))]
            image = render(root, theme)
            turns.append(
                grounding_turn(
                    image,
                    target.instruction,
                    list(target.view.bounds),
                    target.kind,
                    {"app": app, "theme": theme},
                    self.action_format,
                    rng,
                )
            )
            self.trees.append(json.dumps(accessibility_tree(root)))
        return Episode("", turns)

    def _observation(self, index: int) -> dict:
        return {**super()._observation(index), "a11y": self.trees[index]}


@register_env("GuiGroundingDataset-v0")
class ScreenSpotEnv(_Grounding):
    """A user's ScreenSpot (``format="screenspot"``: ``bbox`` = [x, y, w, h] pixels, ``data_type``,
    ``data_source``) or ScreenSpot-Pro (``format="screenspot-pro"``: ``bbox`` = [x1, y1, x2, y2]
    pixels, ``ui_type``, ``platform``, ``application``, ``group``) annotation file; one sample an episode."""

    def __init__(
        self,
        path: str,
        format: str = "screenspot",
        image_root: str | None = None,
        coords: str = "pixel",
        action_format: str = "androidworld",
    ) -> None:
        super().__init__()
        if format not in ("screenspot", "screenspot-pro"):
            raise ValueError(f"format must be 'screenspot' or 'screenspot-pro', got {format!r}")
        self.action_format = formats.get_format(action_format, coords)
        self.path, self.format, self.coords = Path(path), format, coords
        self.root = Path(image_root) if image_root else self.path.parent

    @staticmethod
    def example_kwargs() -> dict[str, Any]:
        return {"path": str(ASSETS / "samples" / "screenspot" / "screenspot_mobile.json")}

    @cached_property
    def samples(self) -> list[dict[str, Any]]:
        data = read_json(self.path)
        if not isinstance(data, list) or not data:
            raise DatasetError(self.path, None, None, "expected a non-empty JSON list of samples")
        out = []
        for k, item in enumerate(data):
            where = f"[{k}]"
            if not isinstance(item, dict):
                raise DatasetError(self.path, None, where, "a sample must be an object")
            bbox = require(item, "bbox", list, self.path, None, f"{where}.")
            if len(bbox) != 4 or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in bbox
            ):
                raise DatasetError(self.path, None, f"{where}.bbox", "must be four finite numbers")
            x, y, a, b = (float(v) for v in bbox)
            box = xywh_to_xyxy([x, y, a, b]) if self.format == "screenspot" else [x, y, a, b]
            if box[2] < box[0] or box[3] < box[1]:
                raise DatasetError(self.path, None, f"{where}.bbox", f"an empty box {bbox}")
            image = require(item, "img_filename", str, self.path, None, f"{where}.")
            check_image(self.root, image, self.path, None, f"{where}.img_filename")
            kind = item.get("data_type", item.get("ui_type", "text"))
            source = {
                k: item[k] for k in ("data_source", "platform", "application", "group") if isinstance(item.get(k), str)
            }
            out.append(
                {
                    "image": image,
                    "bbox": box,
                    "instruction": require(item, "instruction", str, self.path, None, f"{where}."),
                    "type": kind if kind in ("text", "icon") else "text",
                    "source": {"app": source.get("application") or source.get("data_source", ""), **source},
                }
            )
        return out

    def dataset_size(self) -> int:
        return len(self.samples)

    def make_episode(self, options: dict[str, Any]) -> Episode:
        index = self.record_index(options, len(self.samples))
        s = self.samples[index]
        image = load_image(self.root, s["image"], self.path, None, f"[{index}].img_filename")
        return Episode(
            str(index),
            [
                grounding_turn(
                    image, s["instruction"], s["bbox"], s["type"], s["source"], self.action_format, self.np_random
                )
            ],
        )
