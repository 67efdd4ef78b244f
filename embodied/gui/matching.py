"""Step-wise action matching as Android in the Wild defines it, and a stricter variant.

AITW (``android_in_the_wild/action_matching.py``): actions become a type id plus, for gestures,
touch and lift points in normalised (y, x). If either action is not a gesture, they match when
their types are equal. Two gestures are taps when touch and lift are within 0.04; a tap and a swipe
never match; two taps match when one of the screen's element boxes, enlarged 2.4x about its
centre (top-left clamped at 0), contains both touch points, or when they are within 0.14 of each
other; two swipes match when they move along the same primary axis (the sign is not compared).
The strict rule also requires the same scroll direction, typed text, app name and answer."""

from __future__ import annotations

import math
from typing import Any

TYPE, DUAL_POINT, PRESS_BACK, PRESS_HOME, PRESS_ENTER, STATUS_COMPLETE, STATUS_IMPOSSIBLE = 3, 4, 5, 6, 7, 10, 11
OPEN_APP, WAIT, ANSWER, INVALID = 12, 13, 14, -1  # mmturn's ids for AndroidWorld actions AITW lacks
TAP_DISTANCE, SWIPE_DISTANCE, BOX_ENLARGE = 0.14, 0.04, 1.4
# SeeClick's encoding of scrolls as (x, y) touch -> lift: "down" moves the finger up
SCROLLS = {
    "down": ((0.5, 0.8), (0.5, 0.2)),
    "up": ((0.5, 0.2), (0.5, 0.8)),
    "left": ((0.2, 0.5), (0.8, 0.5)),
    "right": ((0.8, 0.5), (0.2, 0.5)),
}
SWIPE_TO_SCROLL = {"up": "down", "down": "up", "left": "right", "right": "left"}


def to_aitw(kind: str, args: dict[str, Any], width: int, height: int) -> dict[str, Any]:
    """An AndroidWorld action (kind, args in pixels) as AITW's type id with normalised (y, x) points."""
    if kind in ("click", "long_press", "double_tap"):
        point = (args["y"] / height, args["x"] / width)
        return {"type": DUAL_POINT, "touch": point, "lift": point}
    if kind in ("scroll", "swipe"):
        direction = args["direction"] if kind == "scroll" else SWIPE_TO_SCROLL[args["direction"]]
        (tx, ty), (lx, ly) = SCROLLS[direction]
        return {"type": DUAL_POINT, "touch": (ty, tx), "lift": (ly, lx), "direction": direction}
    simple = {
        "input_text": TYPE,
        "navigate_back": PRESS_BACK,
        "navigate_home": PRESS_HOME,
        "keyboard_enter": PRESS_ENTER,
        "open_app": OPEN_APP,
        "wait": WAIT,
        "answer": ANSWER,
    }
    if kind == "status":
        return {"type": STATUS_COMPLETE if args.get("goal_status") == "complete" else STATUS_IMPOSSIBLE}
    return {"type": simple.get(kind, INVALID), "text": args.get("text", args.get("app_name", ""))}


def _is_tap(a: dict[str, Any]) -> bool:
    return math.dist(a["touch"], a["lift"]) <= SWIPE_DISTANCE


def _enlarged(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """AITW's box augmentation of (y, x, h, w): grow by 1.4x of the size, centred; top and left clamped at 0."""
    y, x, h, w = box
    return (
        max(0.0, y - BOX_ENLARGE / 2 * h),
        max(0.0, x - BOX_ENLARGE / 2 * w),
        min(1.0, (1 + BOX_ENLARGE) * h),
        min(1.0, (1 + BOX_ENLARGE) * w),
    )


def _inside(point: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    top, left, h, w = box
    return top <= point[0] <= top + h and left <= point[1] <= left + w


def aitw_match(a: dict[str, Any], b: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    """AITW's ``check_actions_match`` on two converted actions; ``boxes`` are element (y, x, h, w), normalised."""
    if a["type"] != DUAL_POINT or b["type"] != DUAL_POINT:
        return a["type"] == b["type"]
    if _is_tap(a) != _is_tap(b):
        return False
    if _is_tap(a):
        same_box = any(_inside(a["touch"], e) and _inside(b["touch"], e) for e in map(_enlarged, boxes))
        return same_box or math.dist(a["touch"], b["touch"]) <= TAP_DISTANCE
    axis = lambda g: 0 if abs(g["lift"][0] - g["touch"][0]) >= abs(g["lift"][1] - g["touch"][1]) else 1  # noqa: E731
    return axis(a) == axis(b)


def strict_match(a: dict[str, Any], b: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    """AITW's match, and the same scroll direction, typed text, app and answer (case and outer spaces ignored)."""
    if not aitw_match(a, b, boxes):
        return False
    if "direction" in a or "direction" in b:
        return a.get("direction") == b.get("direction")
    return str(a.get("text", "")).strip().lower() == str(b.get("text", "")).strip().lower()


def element_boxes(a11y: list[dict[str, Any]], width: int, height: int) -> list[tuple[float, float, float, float]]:
    """The screen's elements as AITW's normalised (y, x, h, w) annotation boxes (the root excluded)."""
    boxes = []
    for node in a11y[1:]:
        b = node["bbox_pixels"]
        boxes.append(
            (
                b["y_min"] / height,
                b["x_min"] / width,
                (b["y_max"] - b["y_min"]) / height,
                (b["x_max"] - b["x_min"]) / width,
            )
        )
    return boxes
