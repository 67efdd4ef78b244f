"""R2R-like route instructions from a reference path: the rooms it crosses, landmarks it passes, and
the goal object, with paraphrase templates ("Walk out of the brick room, go through the marble room
past the red box, and stop next to the barrel.")."""

from __future__ import annotations

import numpy as np

LEAVE = ("Walk out of {room}", "Leave {room}", "Exit {room}", "Head out of {room}")
THROUGH = ("go through {room}", "walk across {room}", "pass through {room}", "continue through {room}")
PAST = (" past the {obj}", " walking past the {obj}", " by the {obj}")
ENTER = ("enter {room}", "go into {room}", "walk into {room}")
STOP = ("stop next to the {obj}", "stop by the {obj}", "wait beside the {obj}", "stop when you reach the {obj}")


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def route_steps(
    reference: list[list[float]],
    path_rooms: list[int],
    room_names: list[str],
    objects: list[dict],
    goal: dict,
    rng: np.random.Generator,
    near: float = 1.5,
) -> list[str]:
    """One sub-instruction per room change and one for the goal (the guide's answers in dialogues)."""
    rooms = [r for r in dict.fromkeys(path_rooms) if r >= 0]
    path = np.asarray(reference, float)
    passed = []
    for obj in objects:
        if obj is goal or obj["name"] == goal["name"]:
            continue
        if len(path) and np.min(np.linalg.norm(path - np.asarray(obj["pos"]), axis=1)) < near:
            passed.append(obj)
    steps = []
    for k, room in enumerate(rooms):
        name = room_names[room]
        landmark = next((o for o in passed if o["room"] == room), None)
        tail = _pick(rng, PAST).format(obj=landmark["name"]) if landmark else ""
        if k == 0 and len(rooms) > 1:
            steps.append(_pick(rng, LEAVE).format(room=name) + tail)
        elif 0 < k < len(rooms) - 1:
            steps.append(_pick(rng, THROUGH).format(room=name) + tail)
        elif k == len(rooms) - 1 and len(rooms) > 1:
            steps.append(_pick(rng, ENTER).format(room=name) + tail)
    steps.append(_pick(rng, STOP).format(obj=goal["name"]))
    return steps


def instruction(steps: list[str]) -> str:
    """The sub-instructions as one sentence."""
    text = ", ".join(steps[:-1]) + (", and " if len(steps) > 1 else "") + steps[-1]
    return text[0].upper() + text[1:] + "."
