"""Renders a view tree to a phone screenshot with PIL: Material-like light and dark themes, real
fonts (shipped in assets), and icons drawn from primitives."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from mmturn.assets import ASSETS
from mmturn.embodied.gui.views import View


@dataclass(frozen=True)
class Theme:
    name: str
    background: tuple
    surface: tuple
    bar: tuple
    text: tuple
    muted: tuple
    accent: tuple
    on_accent: tuple
    divider: tuple


THEMES = {
    "light": Theme(
        "light",
        (255, 255, 255),
        (243, 237, 247),
        (247, 242, 250),
        (28, 27, 31),
        (96, 93, 102),
        (103, 80, 164),
        (255, 255, 255),
        (230, 225, 229),
    ),
    "dark": Theme(
        "dark",
        (20, 18, 24),
        (43, 41, 48),
        (33, 31, 38),
        (230, 225, 229),
        (202, 196, 208),
        (208, 188, 255),
        (56, 30, 114),
        (73, 69, 79),
    ),
}


@functools.lru_cache(maxsize=32)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(ASSETS / "fonts" / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def _icon(d: ImageDraw.ImageDraw, name: str, box: tuple[int, int, int, int], colour: tuple) -> None:
    """Icons drawn from lines and shapes inside ``box``."""
    x1, y1, x2, y2 = box
    cx, cy, r = (x1 + x2) / 2, (y1 + y2) / 2, min(x2 - x1, y2 - y1) * 0.32
    w = max(2, int(r / 5))
    if name in ("back", "nav_back"):
        d.line(
            [(cx + r * 0.6, cy - r), (cx - r * 0.5, cy), (cx + r * 0.6, cy + r)], fill=colour, width=w, joint="curve"
        )
        if name == "back":
            d.line([(cx - r * 0.5, cy), (cx + r, cy)], fill=colour, width=w)
    elif name == "nav_home":
        d.ellipse([cx - r * 0.7, cy - r * 0.7, cx + r * 0.7, cy + r * 0.7], outline=colour, width=w)
    elif name == "nav_recent":
        d.rectangle([cx - r * 0.6, cy - r * 0.6, cx + r * 0.6, cy + r * 0.6], outline=colour, width=w)
    elif name == "search":
        d.ellipse([cx - r, cy - r, cx + r * 0.3, cy + r * 0.3], outline=colour, width=w)
        d.line([(cx + r * 0.2, cy + r * 0.2), (cx + r, cy + r)], fill=colour, width=w)
    elif name == "more":
        for k in (-1, 0, 1):
            d.ellipse([cx - w, cy + k * r * 0.7 - w, cx + w, cy + k * r * 0.7 + w], fill=colour)
    elif name in ("add", "plus"):
        d.line([(cx - r, cy), (cx + r, cy)], fill=colour, width=w)
        d.line([(cx, cy - r), (cx, cy + r)], fill=colour, width=w)
    elif name == "delete":
        d.rectangle([cx - r * 0.6, cy - r * 0.5, cx + r * 0.6, cy + r], outline=colour, width=w)
        d.line([(cx - r, cy - r * 0.6), (cx + r, cy - r * 0.6)], fill=colour, width=w)
    elif name == "edit":
        d.line([(cx - r, cy + r), (cx + r * 0.7, cy - r * 0.7)], fill=colour, width=w * 2)
        d.polygon([(cx - r, cy + r), (cx - r * 0.9, cy + r * 0.5), (cx - r * 0.5, cy + r * 0.9)], fill=colour)
    elif name == "star":
        pts = [
            (
                cx + (r if k % 2 == 0 else r * 0.45) * math.cos(-math.pi / 2 + k * math.pi / 5),
                cy + (r if k % 2 == 0 else r * 0.45) * math.sin(-math.pi / 2 + k * math.pi / 5),
            )
            for k in range(10)
        ]
        d.polygon(pts, outline=colour, width=w)
    elif name == "share":
        pts = [(cx + r * 0.7, cy - r * 0.7), (cx - r * 0.7, cy), (cx + r * 0.7, cy + r * 0.7)]
        d.line(pts, fill=colour, width=w)
        for px, py in pts:
            d.ellipse([px - w * 1.5, py - w * 1.5, px + w * 1.5, py + w * 1.5], fill=colour)
    elif name == "settings":
        for k in range(8):
            a = k * math.pi / 4
            d.line(
                [
                    (cx + r * 0.5 * math.cos(a), cy + r * 0.5 * math.sin(a)),
                    (cx + r * math.cos(a), cy + r * math.sin(a)),
                ],
                fill=colour,
                width=w * 2,
            )
        d.ellipse([cx - r * 0.6, cy - r * 0.6, cx + r * 0.6, cy + r * 0.6], outline=colour, width=w)
    elif name == "wifi":
        for k in (1.0, 0.66, 0.33):
            d.arc([cx - r * k, cy - r * k + r * 0.4, cx + r * k, cy + r * k + r * 0.4], 225, 315, fill=colour, width=w)
    elif name == "bluetooth":
        d.line(
            [
                (cx - r * 0.5, cy - r * 0.5),
                (cx + r * 0.5, cy + r * 0.4),
                (cx, cy + r),
                (cx, cy - r),
                (cx + r * 0.5, cy - r * 0.4),
                (cx - r * 0.5, cy + r * 0.5),
            ],
            fill=colour,
            width=w,
        )
    elif name == "person":
        d.ellipse([cx - r * 0.45, cy - r, cx + r * 0.45, cy - r * 0.1], outline=colour, width=w)
        d.arc([cx - r, cy, cx + r, cy + r * 1.6], 180, 360, fill=colour, width=w)
    elif name == "message":
        d.rounded_rectangle([cx - r, cy - r * 0.8, cx + r, cy + r * 0.5], radius=r * 0.2, outline=colour, width=w)
        d.polygon([(cx - r * 0.5, cy + r * 0.5), (cx - r * 0.6, cy + r), (cx, cy + r * 0.5)], fill=colour)
    elif name in ("alarm", "clock"):
        d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=colour, width=w)
        d.line([(cx, cy), (cx, cy - r * 0.6), (cx, cy), (cx + r * 0.45, cy + r * 0.2)], fill=colour, width=w)
    elif name == "calendar":
        d.rectangle([cx - r, cy - r * 0.8, cx + r, cy + r], outline=colour, width=w)
        d.line([(cx - r, cy - r * 0.35), (cx + r, cy - r * 0.35)], fill=colour, width=w)
    elif name == "folder":
        d.polygon(
            [
                (cx - r, cy - r * 0.7),
                (cx - r * 0.2, cy - r * 0.7),
                (cx, cy - r * 0.4),
                (cx + r, cy - r * 0.4),
                (cx + r, cy + r * 0.8),
                (cx - r, cy + r * 0.8),
            ],
            outline=colour,
            width=w,
        )
    elif name in ("file", "note"):
        d.polygon(
            [
                (cx - r * 0.7, cy - r),
                (cx + r * 0.3, cy - r),
                (cx + r * 0.7, cy - r * 0.6),
                (cx + r * 0.7, cy + r),
                (cx - r * 0.7, cy + r),
            ],
            outline=colour,
            width=w,
        )
        for k in (-0.2, 0.2, 0.6):
            d.line([(cx - r * 0.4, cy + k * r), (cx + r * 0.4, cy + k * r)], fill=colour, width=max(1, w // 2))
    elif name == "cart":
        d.line(
            [
                (cx - r, cy - r * 0.8),
                (cx - r * 0.6, cy - r * 0.8),
                (cx - r * 0.3, cy + r * 0.4),
                (cx + r * 0.8, cy + r * 0.4),
                (cx + r, cy - r * 0.4),
                (cx - r * 0.5, cy - r * 0.4),
            ],
            fill=colour,
            width=w,
        )
        for px in (cx - r * 0.2, cx + r * 0.6):
            d.ellipse([px - w * 1.5, cy + r * 0.8 - w * 1.5, px + w * 1.5, cy + r * 0.8 + w * 1.5], fill=colour)
    elif name == "enter":
        d.line([(cx + r, cy - r * 0.6), (cx + r, cy + r * 0.2), (cx - r, cy + r * 0.2)], fill=colour, width=w)
        d.line(
            [(cx - r * 0.5, cy - r * 0.2), (cx - r, cy + r * 0.2), (cx - r * 0.5, cy + r * 0.6)], fill=colour, width=w
        )
    else:  # a plain circle for any other icon name
        d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=colour, width=w)


def render(root: View, theme: str = "light", marks: bool = False) -> np.ndarray:
    """The screenshot of a view tree as an RGB uint8 array; with ``marks``, a set-of-marks overlay:
    each clickable element boxed and labelled with its accessibility-tree index."""
    t = THEMES[theme]
    x1, y1, x2, y2 = root.bounds
    img = Image.new("RGB", (x2 - x1, y2 - y1), t.background)
    d = ImageDraw.Draw(img)
    s = (x2 - x1) / 1080
    for v in root.walk():
        _draw(d, v, t, s)
    if marks:
        for index, v in enumerate(root.walk()):
            if v.clickable:
                d.rectangle(v.bounds, outline=(230, 20, 20), width=max(2, int(3 * s)))
                label = str(index)
                w = int((len(label) * 22 + 12) * s)
                d.rectangle([v.bounds[0], v.bounds[1], v.bounds[0] + w, v.bounds[1] + int(40 * s)], fill=(230, 20, 20))
                _text(d, (v.bounds[0] + 6 * s, v.bounds[1] + 20 * s), label, int(32 * s), (255, 255, 255), bold=True)
    return np.asarray(img)


def _text(
    d: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int,
    colour: tuple,
    bold: bool = False,
    anchor: str = "lm",
) -> None:
    d.text(xy, text, fill=colour, font=font(max(8, size), bold), anchor=anchor)


def _draw(d: ImageDraw.ImageDraw, v: View, t: Theme, s: float) -> None:
    x1, y1, x2, y2 = v.bounds
    cy = (y1 + y2) / 2
    k = v.kind
    if k == "statusbar":
        d.rectangle(v.bounds, fill=t.bar)
        _text(d, (x1 + 48 * s, cy), v.text, int(36 * s), t.text)
        _icon(d, "wifi", (x2 - int(220 * s), y1, x2 - int(150 * s), y2), t.text)
        d.rectangle([x2 - 120 * s, cy - 16 * s, x2 - 60 * s, cy + 16 * s], outline=t.text, width=max(1, int(3 * s)))
    elif k in ("appbar", "navbar", "keyboard"):
        d.rectangle(v.bounds, fill=t.bar if k != "keyboard" else t.surface)
    elif k == "title":
        _text(d, (x1, cy), v.text, int(60 * s), t.text)
    elif k in ("icon_button",):
        _icon(d, v.icon or "", v.bounds, t.text)
    elif k == "list_item":
        d.line([(x1 + 48 * s, y2 - 1), (x2, y2 - 1)], fill=t.divider, width=max(1, int(2 * s)))
        left = x1 + 48 * s
        if v.icon:
            _icon(d, v.icon, (int(left), int(cy - 60 * s), int(left + 120 * s), int(cy + 60 * s)), t.accent)
            left += 156 * s
        if v.subtitle:
            _text(d, (left, cy - 26 * s), v.text, int(46 * s), t.text)
            _text(d, (left, cy + 34 * s), v.subtitle, int(36 * s), t.muted)
        else:
            _text(d, (left, cy), v.text, int(46 * s), t.text)
    elif k == "switch":
        on = v.checked
        track = [x1 + 10 * s, cy - 34 * s, x2 - 10 * s, cy + 34 * s]
        d.rounded_rectangle(
            track,
            radius=34 * s,
            fill=t.accent if on else t.divider,
            outline=t.muted if not on else None,
            width=max(1, int(3 * s)),
        )
        knob = (x2 - 56 * s) if on else (x1 + 56 * s)
        d.ellipse([knob - 26 * s, cy - 26 * s, knob + 26 * s, cy + 26 * s], fill=t.on_accent if on else t.muted)
    elif k == "checkbox":
        c = (x1 + x2) / 2
        box = [c - 30 * s, cy - 30 * s, c + 30 * s, cy + 30 * s]
        d.rounded_rectangle(
            box,
            radius=6 * s,
            fill=t.accent if v.checked else None,
            outline=t.accent if v.checked else t.muted,
            width=max(2, int(5 * s)),
        )
        if v.checked:
            d.line(
                [(c - 18 * s, cy), (c - 5 * s, cy + 14 * s), (c + 20 * s, cy - 14 * s)],
                fill=t.on_accent,
                width=max(2, int(6 * s)),
            )
    elif k == "tab":
        _text(
            d,
            ((x1 + x2) / 2, cy),
            v.text,
            int(42 * s),
            t.accent if v.selected else t.muted,
            bold=v.selected,
            anchor="mm",
        )
        if v.selected:
            d.rectangle([x1 + 60 * s, y2 - 8 * s, x2 - 60 * s, y2], fill=t.accent)
    elif k == "text_field":
        d.rounded_rectangle(
            v.bounds,
            radius=16 * s,
            outline=t.accent if v.focused else t.muted,
            width=max(2, int((5 if v.focused else 3) * s)),
        )
        _text(d, (x1 + 36 * s, cy), v.text or v.desc, int(44 * s), t.text if v.text else t.muted)
    elif k == "button":
        d.rounded_rectangle(v.bounds, radius=(y2 - y1) / 2, fill=t.accent)
        _text(d, ((x1 + x2) / 2, cy), v.text, int(42 * s), t.on_accent, bold=True, anchor="mm")
    elif k == "fab":
        d.rounded_rectangle(v.bounds, radius=40 * s, fill=t.accent)
        _icon(d, v.icon or "add", v.bounds, t.on_accent)
    elif k == "dialog":
        d.rounded_rectangle(v.bounds, radius=48 * s, fill=t.surface)
        _text(d, (x1 + 60 * s, y1 + 90 * s), v.text, int(56 * s), t.text)
        _text(d, (x1 + 60 * s, y1 + 220 * s), v.subtitle, int(40 * s), t.muted)
    elif k == "key":
        d.rounded_rectangle([x1 + 6 * s, y1 + 10 * s, x2 - 6 * s, y2 - 10 * s], radius=14 * s, fill=t.background)
        if v.icon:
            _icon(d, v.icon, v.bounds, t.text)
        else:
            _text(d, ((x1 + x2) / 2, cy), v.text, int(50 * s), t.text, anchor="mm")
    elif k == "text":
        _text(d, (x1, cy), v.text, int(44 * s), t.text)
    elif k == "launcher_icon":
        c = (x1 + x2) / 2
        d.ellipse([c - 80 * s, y1 + 30 * s, c + 80 * s, y1 + 190 * s], fill=t.surface)
        _icon(d, v.icon or "", (int(c - 80 * s), int(y1 + 30 * s), int(c + 80 * s), int(y1 + 190 * s)), t.accent)
        _text(d, (c, y1 + 240 * s), v.text, int(38 * s), t.text, anchor="mm")
