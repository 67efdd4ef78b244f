"""Procedural images with exact ground truth: shapes, charts, clocks, tables, grid maps, text labels.

Each generator draws an image with PIL from a numpy Generator and returns a ``Scene``: the RGB
array, its facts, and questions whose answers follow from those facts exactly. Fonts, sizes,
backgrounds and noise vary so that a guess scores near chance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import networkx as nx
import numpy as np
from PIL import Image, ImageDraw

from mmturn.assets import FONTS
from mmturn.vision.dialogue.answers import Answer
from mmturn.vision.drawing import COLOURS, SHAPES, add_noise, draw_shape, load_font

WORDS = (
    "apple",
    "river",
    "candle",
    "forest",
    "piano",
    "rocket",
    "garden",
    "silver",
    "tiger",
    "window",
    "marble",
    "planet",
    "violet",
    "harbor",
    "lemon",
    "castle",
    "falcon",
    "meadow",
    "copper",
    "island",
)
LANDMARKS = ("well", "tower", "barn", "mill", "gate", "shrine", "bridge", "camp")


@dataclass
class QA:
    question: str
    answer: Answer
    describe: bool = False  # an open-ended description (scored for hallucinated objects too)


@dataclass
class Scene:
    kind: str
    image: np.ndarray
    facts: dict[str, Any]
    qas: list[QA] = field(default_factory=list)


def _canvas(rng: np.random.Generator) -> tuple[Image.Image, ImageDraw.ImageDraw, int]:
    side = int(rng.integers(8, 33)) * 32  # 256 .. 1024 px
    light = rng.integers(215, 256, size=3)
    img = Image.new("RGB", (side, side), tuple(int(v) for v in light))
    return img, ImageDraw.Draw(img), side


def _finish(img: Image.Image, rng: np.random.Generator) -> np.ndarray:
    """Add sensor-like noise: grey blotches of 2 or 4 px, amplitude 0..12."""
    return add_noise(img, rng, int(rng.integers(0, 13)), int(rng.choice([2, 4])))


def _pick(rng: np.random.Generator, items: tuple | list, k: int | None = None):
    if k is None:
        return items[int(rng.integers(len(items)))]
    return [items[i] for i in rng.choice(len(items), size=k, replace=False)]


def _unique_arg(values: list, best: Callable = max) -> int | None:
    """Index of the single best value, or None on a tie (a question with two right answers is not asked)."""
    top = best(values)
    return values.index(top) if values.count(top) == 1 else None


def _multiple_choice(rng: np.random.Generator, question: str, right: str, pool: list[str]) -> QA:
    """A four-option question: the right answer among three distinct distractors, in random order."""
    wrong = [w for w in dict.fromkeys(pool) if w != right]
    options = [right] + [wrong[i] for i in rng.choice(len(wrong), size=min(3, len(wrong)), replace=False)]
    options = [options[i] for i in rng.permutation(len(options))]
    labels = [f"{'ABCD'[k]}) {o}" for k, o in enumerate(options)]
    return QA(f"{question} Options: {' '.join(labels)}", Answer("choice", "ABCD"[options.index(right)], tuple(labels)))


def shapes_scene(rng: np.random.Generator) -> Scene:
    img, draw, side = _canvas(rng)
    n = int(rng.integers(3, 9))
    cell = side // 4
    slots = _pick(rng, [(i, j) for i in range(4) for j in range(4)], n)
    objs = []
    for i, j in slots:
        r = float(rng.uniform(0.22, 0.45)) * cell
        cx, cy = (i + 0.5) * cell, (j + 0.5) * cell
        shape, colour = _pick(rng, SHAPES), _pick(rng, tuple(COLOURS))
        box = draw_shape(draw, shape, colour, cx, cy, r)
        objs.append({"shape": shape, "colour": colour, "x": cx, "y": cy, "r": r, "box": box})
    qas = [QA("How many shapes are there in total?", Answer("number", float(n)))]
    for colour in COLOURS:
        qas.append(
            QA(
                f"How many {colour} shapes are there?",
                Answer("number", float(sum(o["colour"] == colour for o in objs))),
            )
        )
    for shape in SHAPES:
        qas.append(
            QA(f"How many shapes are a {shape}?", Answer("number", float(sum(o["shape"] == shape for o in objs))))
        )
    present = sorted({o["colour"] for o in objs})
    qas.append(QA("Which colours appear among the shapes?", Answer("set", present, tuple(COLOURS))))
    everything = tuple(f"{c} {s}" for c in COLOURS for s in SHAPES)
    described = sorted({f"{o['colour']} {o['shape']}" for o in objs})
    qas.append(
        QA(
            "Describe the image: name every shape in it by its colour and kind.",
            Answer("set", described, everything),
            describe=True,
        )
    )
    largest = max(objs, key=lambda o: o["r"])
    qas.append(QA("What colour is the largest shape?", Answer("exact", largest["colour"], tuple(COLOURS))))
    unique = [o for o in objs if sum(p["shape"] == o["shape"] for p in objs) == 1]
    for a in unique:
        qas.append(QA(f"What colour is the {a['shape']}?", Answer("exact", a["colour"], tuple(COLOURS))))
        qas.append(
            QA(
                f"Give the bounding box of the {a['shape']} as [x1, y1, x2, y2] in pixels of the image.",
                Answer("box", a["box"]),
            )
        )
        for b in unique:
            if a is not b and a["x"] != b["x"]:
                qas.append(
                    QA(f"Is the {a['shape']} to the left of the {b['shape']}?", Answer("yesno", bool(a["x"] < b["x"])))
                )
    return Scene("shapes", _finish(img, rng), {"objects": objs}, qas)


def bar_chart_scene(rng: np.random.Generator) -> Scene:
    img, draw, side = _canvas(rng)
    cats = _pick(rng, WORDS, int(rng.integers(3, 7)))
    values = [int(v) for v in rng.choice(np.arange(5, 100), size=len(cats), replace=False)]
    font = load_font(int(rng.integers(len(FONTS))), max(10, side // 40))
    left, bottom, top = side * 0.1, side * 0.85, side * 0.12
    width = (side * 0.85) / len(cats)
    colour = COLOURS[_pick(rng, ("blue", "green", "orange", "purple", "red"))]
    draw.line([(left, top), (left, bottom), (side * 0.97, bottom)], fill=(0, 0, 0), width=2)
    for k, (c, v) in enumerate(zip(cats, values)):
        x0 = left + k * width + width * 0.15
        y0 = bottom - (bottom - top) * v / 100
        draw.rectangle([x0, y0, x0 + width * 0.7, bottom], fill=colour)
        draw.text((x0, y0 - font.size * 1.3), str(v), fill=(0, 0, 0), font=font)
        draw.text((x0, bottom + 4), c, fill=(0, 0, 0), font=font)
    qas = [QA(f"What is the value of the {c} bar?", Answer("number", float(v))) for c, v in zip(cats, values)]
    top = cats[_unique_arg(values)]
    qas += [
        _multiple_choice(
            rng, "Which category has the highest bar?", top, cats + [w for w in WORDS if w not in cats][:3]
        ),
        QA("Which category has the highest bar?", Answer("exact", top, tuple(cats))),
        QA("Which category has the lowest bar?", Answer("exact", cats[_unique_arg(values, min)], tuple(cats))),
        QA("What is the sum of all bar values?", Answer("number", float(sum(values)))),
    ]
    return Scene("bar_chart", _finish(img, rng), {"categories": cats, "values": values}, qas)


def line_chart_scene(rng: np.random.Generator) -> Scene:
    img, draw, side = _canvas(rng)
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun")
    trend = _pick(rng, ("increasing", "decreasing", "flat"))
    base = rng.integers(20, 80)
    slope = {"increasing": 10, "decreasing": -10, "flat": 0}[trend]
    values = [int(np.clip(base + slope * i + rng.integers(-3, 4), 1, 140)) for i in range(6)]
    if trend == "flat":
        values = [int(base + rng.integers(-2, 3)) for _ in range(6)]
    font = load_font(int(rng.integers(len(FONTS))), max(10, side // 40))
    left, bottom, top, right = side * 0.1, side * 0.85, side * 0.1, side * 0.95
    pts = [(left + (right - left) * i / 5, bottom - (bottom - top) * v / 150) for i, v in enumerate(values)]
    draw.line([(left, top), (left, bottom), (right, bottom)], fill=(0, 0, 0), width=2)
    draw.line(pts, fill=COLOURS["red"], width=max(2, side // 200))
    for (x, y), m, v in zip(pts, months, values):
        draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=(0, 0, 0))
        draw.text((x - 8, y - font.size * 1.5), str(v), fill=(0, 0, 0), font=font)
        draw.text((x - 8, bottom + 4), m, fill=(0, 0, 0), font=font)
    qas = [QA(f"What is the value in {m}?", Answer("number", float(v))) for m, v in zip(months, values)]
    qas += [
        QA(
            "Is the overall trend from Jan to Jun increasing, decreasing or flat?",
            Answer("exact", trend, ("increasing", "decreasing", "flat")),
        )
    ]
    if (top := _unique_arg(values)) is not None:
        qas.append(QA("In which month is the value highest?", Answer("exact", months[top], months)))
    return Scene("line_chart", _finish(img, rng), {"months": months, "values": values, "trend": trend}, qas)


def pie_chart_scene(rng: np.random.Generator) -> Scene:
    img, draw, side = _canvas(rng)
    cats = _pick(rng, tuple(COLOURS), int(rng.integers(3, 6)))
    raw = rng.choice(np.arange(5, 60), size=len(cats), replace=False).astype(float)
    shares = [int(v) for v in np.round(100 * raw / raw.sum())]
    shares[int(np.argmax(shares))] += 100 - sum(shares)
    font = load_font(int(rng.integers(len(FONTS))), max(10, side // 36))
    box = [side * 0.1, side * 0.1, side * 0.7, side * 0.7]
    start = -90.0
    for c, s in zip(cats, shares):
        draw.pieslice(box, start, start + 3.6 * s, fill=COLOURS[c])
        start += 3.6 * s
    for k, (c, s) in enumerate(zip(cats, shares)):
        y = side * 0.1 + k * font.size * 1.6
        draw.rectangle([side * 0.75, y, side * 0.75 + font.size, y + font.size], fill=COLOURS[c])
        draw.text((side * 0.75 + font.size * 1.4, y), f"{c} {s}%", fill=(0, 0, 0), font=font)
    qas = [QA(f"What percentage is the {c} slice?", Answer("number", float(s))) for c, s in zip(cats, shares)]
    qas += [QA("How many slices does the pie have?", Answer("number", float(len(cats))))]
    if (top := _unique_arg(shares)) is not None:
        qas.append(QA("Which colour has the largest slice of the pie?", Answer("exact", cats[top], tuple(COLOURS))))
    return Scene("pie_chart", _finish(img, rng), {"categories": cats, "shares": shares}, qas)


def clock_scene(rng: np.random.Generator) -> Scene:
    img, draw, side = _canvas(rng)
    hour, minute = int(rng.integers(1, 13)), int(rng.integers(0, 12)) * 5
    c, r = side / 2, side * 0.42
    draw.ellipse([c - r, c - r, c + r, c + r], outline=(0, 0, 0), width=max(2, side // 100), fill=(250, 250, 245))
    font = load_font(int(rng.integers(len(FONTS))), max(10, side // 16))
    for h in range(1, 13):
        a = math.radians(h * 30 - 90)
        draw.text(
            (c + r * 0.8 * math.cos(a) - font.size / 3, c + r * 0.8 * math.sin(a) - font.size / 2),
            str(h),
            fill=(0, 0, 0),
            font=font,
        )
    ma = math.radians(minute * 6 - 90)
    ha = math.radians((hour % 12) * 30 + minute * 0.5 - 90)
    draw.line(
        [(c, c), (c + r * 0.75 * math.cos(ma), c + r * 0.75 * math.sin(ma))], fill=(0, 0, 0), width=max(2, side // 120)
    )
    draw.line(
        [(c, c), (c + r * 0.45 * math.cos(ha), c + r * 0.45 * math.sin(ha))], fill=(0, 0, 0), width=max(3, side // 60)
    )
    time = f"{hour}:{minute:02d}"
    qas = [
        QA("What time does the clock show (H:MM)?", Answer("time", time)),
        QA("What hour is the hour hand pointing at or just past?", Answer("number", float(hour))),
        QA("How many minutes past the hour does the clock show?", Answer("number", float(minute))),
        QA(
            "Does the clock show a time in the first half of the hour (before half past)?", Answer("yesno", minute < 30)
        ),
        _multiple_choice(
            rng,
            "Which time does the clock show?",
            time,
            [
                f"{h}:{m:02d}"
                for h, m in (
                    (hour % 12 + 1, minute),
                    (hour, (minute + 30) % 60),
                    ((hour + 5) % 12 + 1, minute),
                    (hour, (minute + 15) % 60),
                )
            ],
        ),
    ]
    return Scene("clock", _finish(img, rng), {"time": time}, qas)


def table_scene(rng: np.random.Generator) -> Scene:
    img, draw, side = _canvas(rng)
    rows, cols = (
        _pick(rng, WORDS, int(rng.integers(2, 5))),
        _pick(rng, ("Q1", "Q2", "Q3", "Q4"), int(rng.integers(2, 5))),
    )
    cols = sorted(cols)
    cells = rng.integers(1, 100, size=(len(rows), len(cols)))
    font = load_font(int(rng.integers(len(FONTS))), max(10, side // 30))
    cw, ch = side * 0.9 / (len(cols) + 1), side * 0.8 / (len(rows) + 1)
    for i in range(len(rows) + 1):
        for j in range(len(cols) + 1):
            x, y = side * 0.05 + j * cw, side * 0.1 + i * ch
            draw.rectangle([x, y, x + cw, y + ch], outline=(0, 0, 0), width=2)
            text = "" if i == j == 0 else cols[j - 1] if i == 0 else rows[i - 1] if j == 0 else str(cells[i - 1, j - 1])
            draw.text((x + 6, y + ch / 2 - font.size / 2), text, fill=(0, 0, 0), font=font)
    qas = [
        QA(f"What is the value in row {r}, column {c}?", Answer("number", float(cells[i, j])))
        for i, r in enumerate(rows)
        for j, c in enumerate(cols)
    ]
    for j, c in enumerate(cols):
        qas.append(QA(f"What is the sum of column {c}?", Answer("number", float(cells[:, j].sum()))))
        if (top := _unique_arg(cells[:, j].tolist())) is not None:
            qas.append(QA(f"Which row has the largest value in column {c}?", Answer("exact", rows[top], tuple(rows))))
    return Scene("table", _finish(img, rng), {"rows": rows, "cols": cols, "cells": cells.tolist()}, qas)


def grid_map_scene(rng: np.random.Generator) -> Scene:
    img, draw, side = _canvas(rng)
    n = int(rng.integers(5, 8))
    cell = side * 0.9 / n
    grid = nx.grid_2d_graph(n, n)
    walls = _pick(rng, list(grid.nodes), int(n * n * 0.2))
    names = _pick(rng, LANDMARKS, 4)
    free = [v for v in grid.nodes if v not in walls]
    spots = dict(zip(names, _pick(rng, free, 4)))
    grid.remove_nodes_from(walls)
    font = load_font(int(rng.integers(len(FONTS))), max(8, int(cell / 4)))
    for x, y in walls:
        draw.rectangle(
            [
                side * 0.05 + x * cell,
                side * 0.05 + y * cell,
                side * 0.05 + (x + 1) * cell,
                side * 0.05 + (y + 1) * cell,
            ],
            fill=(60, 60, 60),
        )
    for k in range(n + 1):
        draw.line([(side * 0.05 + k * cell, side * 0.05), (side * 0.05 + k * cell, side * 0.95)], fill=(0, 0, 0))
        draw.line([(side * 0.05, side * 0.05 + k * cell), (side * 0.95, side * 0.05 + k * cell)], fill=(0, 0, 0))
    for name, (x, y) in spots.items():
        draw.text(
            (side * 0.05 + x * cell + 3, side * 0.05 + y * cell + cell / 3), name, fill=COLOURS["blue"], font=font
        )
    pairs = [(a, b) for a in names for b in names if a != b]
    qas = []
    rows = [spots[s][1] for s in names]
    if (top := _unique_arg(rows, min)) is not None:
        qas.append(
            QA("Which landmark is furthest north (closest to the top)?", Answer("exact", names[top], tuple(LANDMARKS)))
        )
    for a, b in pairs:
        if spots[a][1] != spots[b][1]:
            qas.append(QA(f"Is the {a} north of the {b}?", Answer("yesno", bool(spots[a][1] < spots[b][1]))))
        if a < b and nx.has_path(grid, spots[a], spots[b]):
            steps = nx.shortest_path_length(grid, spots[a], spots[b])
            qas.append(
                QA(
                    f"Moving one cell at a time up, down, left or right and never through dark walls, "
                    f"how many moves is the shortest path from the {a} to the {b}?",
                    Answer("number", float(steps)),
                )
            )
    return Scene(
        "grid_map",
        _finish(img, rng),
        {"size": n, "walls": [list(w) for w in walls], "landmarks": {k: list(v) for k, v in spots.items()}},
        qas,
    )


def text_scene(rng: np.random.Generator) -> Scene:
    img, draw, side = _canvas(rng)
    word = _pick(rng, WORDS)
    colour = _pick(rng, tuple(COLOURS))
    font = load_font(int(rng.integers(len(FONTS))), int(side * rng.uniform(0.08, 0.15)))
    x0, y0 = side * rng.uniform(0.05, 0.3), side * rng.uniform(0.2, 0.7)
    bbox = draw.textbbox((x0, y0), word, font=font)
    draw.rectangle(
        [bbox[0] - 10, bbox[1] - 10, bbox[2] + 10, bbox[3] + 10], fill=(255, 255, 255), outline=COLOURS[colour], width=4
    )
    draw.text((x0, y0), word, fill=COLOURS[colour], font=font)
    qas = [
        QA("What word is written on the sign?", Answer("exact", word)),
        QA("What colour is the text on the sign?", Answer("exact", colour, tuple(COLOURS))),
        QA("How many letters does the word on the sign have?", Answer("number", float(len(word)))),
        QA(
            "How many vowels (a, e, i, o, u) does the word on the sign contain?",
            Answer("number", float(sum(ch in "aeiou" for ch in word))),
        ),
    ]
    for letter in sorted({word[0], _pick(rng, tuple("abcdefghilmnoprstvw"))}):
        qas.append(
            QA(f"Does the word on the sign start with the letter {letter.upper()}?", Answer("yesno", word[0] == letter))
        )
    return Scene("text", _finish(img, rng), {"word": word, "colour": colour, "bbox": list(bbox)}, qas)


GENERATORS: dict[str, Callable[[np.random.Generator], Scene]] = {
    "shapes": shapes_scene,
    "bar_chart": bar_chart_scene,
    "line_chart": line_chart_scene,
    "pie_chart": pie_chart_scene,
    "clock": clock_scene,
    "table": table_scene,
    "grid_map": grid_map_scene,
    "text": text_scene,
}
