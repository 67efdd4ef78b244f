"""Vision-and-language navigation in MiniWorld houses (VLN-CE's actions and metrics). The simulator
lives in a worker process; this env keeps the navigation grid, geodesic distances, the oracle's
planner and the episode's metrics."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
from gymnasium import spaces
from pydantic import BaseModel

from mmturn.embodied.nav import metrics as m
from mmturn.embodied.nav.grid import descend
from mmturn.embodied.nav.instructions import instruction, route_steps
from mmturn.tasks.env import MultiTurnEnv
from mmturn.tasks.registry import register_env
from mmturn.tasks.tools import NoArguments, ToolCall, function_tool
from mmturn.tasks.types import Action, Hints, Part, TurnResult
from mmturn.tasks.worker import isolated

ACTIONS = ("MOVE_FORWARD", "TURN_LEFT", "TURN_RIGHT", "STOP")
_ASK_RE = re.compile(r"^\s*ASK\b[:\s]*(.*)", re.IGNORECASE | re.DOTALL)
_ACTION_RE = re.compile(r"\b(?:move[ _-]?)?(forward)\b|\b(?:turn[ _-]?)?(left|right)\b|\b(stop)\b", re.IGNORECASE)
HELP = "Reply with one action: MOVE_FORWARD (0.25 m), TURN_LEFT (15 degrees), TURN_RIGHT (15 degrees) or STOP."
# (dialog mode also accepts "ASK: question"; the instruction says so)


MOVES = {  # the actions as function tools (tools=true): one function each
    "MOVE_FORWARD": "Move forward 0.25 m.",
    "TURN_LEFT": "Turn left by 15 degrees.",
    "TURN_RIGHT": "Turn right by 15 degrees.",
    "STOP": "Stop here: you have arrived (the episode ends).",
}


class Question(BaseModel):
    """Ask the guide where to go next (dialog mode)."""

    question: str


def nav_tools(allow_questions: bool = False) -> list[dict[str, Any]]:
    tools = [function_tool(name.lower(), NoArguments, description) for name, description in MOVES.items()]
    return tools + ([function_tool("ask", Question)] if allow_questions else [])


def nav_tool_action(call: ToolCall, allow_questions: bool = False) -> Action:
    """A tool call as a navigation action: a move by its function's name, or (dialogs) a question."""
    if call.name.upper() in MOVES:
        return Action(call.arguments, call.name.upper())
    if allow_questions and call.name == "ask":
        question = (call.args() or {}).get("question")
        return Action(call.arguments, "ASK", {"question": str(question or "")})
    return Action(
        call.arguments,
        "invalid",
        error=f"unknown function {call.name!r}; expected one of " + ", ".join(n.lower() for n in MOVES),
    )


def parse_nav_action(text: str, allow_questions: bool = False) -> Action:
    """The first action named in the reply: MOVE_FORWARD / TURN_LEFT / TURN_RIGHT / STOP, any case,
    spaces or underscores ("move forward", "Turn_Left"), or just forward / left / right / stop; in
    dialogues also ``ASK: question``."""
    if allow_questions and (ask := _ASK_RE.match(text)):
        return Action(text, "ASK", {"question": ask.group(1).strip()})
    match = _ACTION_RE.search(text)
    if match is None:
        return Action(text, "invalid", error="no action found: reply MOVE_FORWARD, TURN_LEFT, TURN_RIGHT or STOP")
    forward, side, stop = match.groups()
    return Action(text, "MOVE_FORWARD" if forward else "STOP" if stop else f"TURN_{side.upper()}")


class NavGrid:
    """Geodesic distance to the goal anywhere in the house, from the worker's grid and distance field."""

    def __init__(self, grid: dict[str, Any], field: np.ndarray) -> None:
        self.free, self.x0, self.z0, self.cell, self.field = grid["free"], grid["x0"], grid["z0"], grid["cell"], field

    def cell_of(self, pos) -> tuple[int, int]:
        return int(round((pos[1] - self.z0) / self.cell)), int(round((pos[0] - self.x0) / self.cell))

    def centre(self, cell: tuple[int, int]) -> np.ndarray:
        return np.array([self.x0 + cell[1] * self.cell, self.z0 + cell[0] * self.cell])

    def geodesic(self, pos) -> float:
        """Distance along free space to the goal: via the best nearby finite cell (inf if none)."""
        i, j = self.cell_of(pos)
        best = math.inf
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                c = (i + di, j + dj)
                if 0 <= c[0] < self.field.shape[0] and 0 <= c[1] < self.field.shape[1] and math.isfinite(self.field[c]):
                    best = min(best, self.field[c] + float(np.linalg.norm(self.centre(c) - np.asarray(pos))))
        return best

    def next_waypoint(self, pos, lookahead: int = 2) -> np.ndarray:
        """A point ``lookahead`` cells down the shortest path from ``pos``."""
        i, j = self.cell_of(pos)
        cells = [
            (a, b)
            for a in range(i - 1, i + 2)
            for b in range(j - 1, j + 2)
            if 0 <= a < self.field.shape[0] and 0 <= b < self.field.shape[1] and math.isfinite(self.field[a, b])
        ]
        c = min(cells, key=lambda x: self.field[x] + float(np.linalg.norm(self.centre(x) - np.asarray(pos))))
        return self.centre(descend(self.field, c, limit=lookahead)[-1])


def oracle_action(grid: NavGrid, pos, heading: float, blocked: bool = False, stop_within: float = 0.5) -> str:
    """Follow the shortest path: turn towards a waypoint a little ahead, walk, stop at the goal. After
    bumping into something, head for the middle of the current grid cell (clear of obstacles) first."""
    if grid.geodesic(pos) <= stop_within:
        return "STOP"
    centre = grid.centre(grid.cell_of(pos))
    waypoint = (
        centre
        if blocked and np.linalg.norm(centre - np.asarray(pos)) > 0.05
        else grid.next_waypoint(pos, 1 if blocked else 2)
    )
    dx, dz = waypoint - np.asarray(pos)
    want = math.atan2(-dz, dx)  # MiniWorld: moving forward adds (cos dir, -sin dir) to (x, z)
    diff = (want - heading + math.pi) % (2 * math.pi) - math.pi
    if abs(diff) <= math.radians(7.5):
        return "MOVE_FORWARD"
    return "TURN_LEFT" if diff > 0 else "TURN_RIGHT"


@register_env("VlnMiniWorld-v0")
class VlnMiniWorldEnv(MultiTurnEnv):
    """A seeded house, a start 5-20 m (geodesic) from a goal object, an R2R-like instruction; each turn
    shows the egocentric RGB view and repeats the instruction. Episode metrics are on the last turn."""

    unbounded_scores = frozenset({"nav_error", "path_length", "collisions", "steps", "questions"})
    MODES = ("vln", "dialog", "imagegoal")

    def __init__(
        self,
        width: int = 224,
        height: int = 224,
        max_steps: int = 500,
        success_distance: float = m.SUCCESS_DISTANCE,
        timeout: float = 120.0,
        mode: str = "vln",
        depth: bool = False,
        panorama: bool = False,
    ) -> None:
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {', '.join(self.MODES)}, got {mode!r}")
        self.mode, self.depth, self.panorama = mode, bool(depth), bool(panorama)
        if self.depth:  # declared per instance: only envs that render depth carry it
            self.extra_spaces = {"depth": spaces.Box(0.0, 100.0, (int(height), int(width), 1), np.float32)}  # metres
        super().__init__()
        self.config = dict(
            width=int(width),
            height=int(height),
            max_steps=int(max_steps),
            success_distance=float(success_distance),
            timeout=float(timeout),
            mode=mode,
            depth=self.depth,
            panorama=self.panorama,
        )
        self.sim = isolated("mmturn.embodied.nav.house.HouseSim", timeout=timeout, width=int(width), height=int(height))

    def close(self) -> None:
        self.sim.close()

    def _begin(self, options: dict[str, Any]) -> tuple[dict, Hints]:
        self.seed_used = int(self.np_random.integers(2**31))  # the house and episode the worker builds
        ep = self.sim.call("episode", self.seed_used)
        self.ep = ep
        self.grid = NavGrid(ep["grid"], ep["field"])
        rng = np.random.default_rng(int(self.np_random.integers(2**31)))
        self.sub_instructions = route_steps(
            ep["reference"], ep["path_rooms"], ep["room_names"], ep["objects"], ep["goal_object"], rng
        )
        self.instruction = {
            "vln": instruction(self.sub_instructions),
            "dialog": f"Find the {ep['goal_object']['name']} and stop next to it. You may ask the "
            "guide for directions by replying ASK: your question.",
            "imagegoal": "Find the place shown in the goal image (the first image) and stop there.",
        }[self.mode]
        self.goal_image = self.sim.call("goal_view") if self.mode == "imagegoal" else None
        self.questions = 0
        self.pos, self.heading = np.asarray(ep["start"], float), ep["start_dir"]
        self.positions, self.distances = [self.pos.copy()], [self.grid.geodesic(self.pos)]
        self.steps, self.collisions, self.stopped = 0, 0, False
        self._last_image, self.blocked = ep["obs"], False
        return self._observe(ep["obs"], None)

    def _observe(self, image: np.ndarray, note: str | None) -> tuple[dict, Hints]:
        text = f"Instruction: {self.instruction}\n" + (f"({note}) " if note else "") + HELP
        hints = Hints(
            oracle_reply=oracle_action(self.grid, self.pos, self.heading, self.blocked),
            candidates=tuple(ACTIONS),
            reply_template="{}",
        )
        goal = (
            (Part.of_text("Goal image:"), Part.of_image(self.goal_image), Part.of_text("Current view:"))
            if self.goal_image is not None
            else ()
        )
        sensors = self.sim.call("views", self.depth, self.panorama) if self.depth or self.panorama else {}
        pano = ()
        if self.panorama:
            pano = (
                Part.of_text("Panorama, 12 views turning left by 30 degrees from straight ahead:"),
                *map(Part.of_image, sensors["panorama"]),
            )
        obs = {"parts": (*goal, Part.of_image(image), *pano, Part.of_text(text))}
        if self.depth:
            obs["depth"] = sensors["depth"]
        return obs, hints

    def parse_action(self, text: str) -> Action:
        return parse_nav_action(text, allow_questions=self.mode == "dialog")

    def tools(self) -> list[dict[str, Any]]:
        return nav_tools(allow_questions=self.mode == "dialog")

    def parse_tool_call(self, call: ToolCall) -> Action:
        return nav_tool_action(call, allow_questions=self.mode == "dialog")

    def guide_answer(self) -> str:
        """The guide's reply to a question: the sub-instruction for where the agent is on the route."""
        reference = np.asarray(self.ep["reference"])
        nearest = int(np.argmin(np.linalg.norm(reference - self.pos, axis=1)))
        rooms = [r for r in dict.fromkeys(self.ep["path_rooms"]) if r >= 0]
        here = self.ep["path_rooms"][nearest]
        k = rooms.index(here) if here in rooms else 0
        return self.sub_instructions[min(k + (1 if k < len(rooms) - 1 else 0), len(self.sub_instructions) - 1)]

    def episode_scores(self) -> dict[str, float]:
        """VLN-CE's measures of the finished episode (positions on the floor plane, y = 0)."""
        path = np.array([[p[0], 0.0, p[1]] for p in self.positions])
        reference = np.array([[p[0], 0.0, p[1]] for p in self.ep["reference"]])
        scores = m.vlnce_measures(
            path, self.distances, self.stopped, reference, self.steps, self.collisions, self.config["success_distance"]
        )
        return {
            **scores,
            "reward": scores["success"],
            **({"questions": float(self.questions)} if self.mode == "dialog" else {}),
        }

    def _advance(self, action: Action) -> tuple[TurnResult, dict, bool, bool, Hints]:
        note, image = None, None
        if action.kind == "invalid":
            note = "that was not an action; nothing happened"
        elif action.kind == "ASK":
            self.questions += 1
            note = f"the guide says: {self.guide_answer()}"
        elif action.kind == "STOP":
            self.stopped = True
        else:
            r = self.sim.call("step", action.kind)
            image, self.heading = r["obs"], r["dir"]
            self.pos = np.asarray(r["pos"], float)
            if r["collided"]:
                self.collisions += 1
                note = "you bumped into something and did not move"
            if action.kind == "MOVE_FORWARD":
                self.blocked = r["collided"]
        self.steps += 1
        self.positions.append(self.pos.copy())
        self.distances.append(self.grid.geodesic(self.pos))
        terminated = self.stopped
        truncated = not terminated and self.steps >= self.config["max_steps"]
        target = {
            "instruction": self.instruction,
            "goal": self.ep["goal"],
            "goal_object": self.ep["goal_object"]["name"],
        }
        details = {"action": action.kind, "pos": self.pos.tolist(), "heading": self.heading}
        if terminated or truncated:
            grid = self.ep["grid"]
            top = {
                "free": ["".join("1" if v else "0" for v in row) for row in grid["free"]],
                "x0": grid["x0"],
                "z0": grid["z0"],
                "cell": grid["cell"],
            }
            result = TurnResult(
                self.episode_scores(),
                target,
                error=action.error,
                details={
                    **details,
                    "path": [p.tolist() for p in self.positions],
                    "reference": self.ep["reference"],
                    "map": top,
                },
            )
            return result, self.empty_observation(), terminated, truncated, Hints()
        result = TurnResult({"reward": 0.0}, target, error=action.error, details=details)
        image = self._last_image = self._last_image if image is None else image
        obs, hints = self._observe(image, note)
        return result, obs, False, False, hints
