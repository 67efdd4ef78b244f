"""Multi-step GUI tasks. ``GuiTasks-v0`` (AndroidWorld style): a goal, the device from the home
screen, one action a turn within a budget of 10 x complexity steps; solved only when the agent
declares completion (or infeasibility, for infeasible goals) and the app state (and answer) is
right. ``GuiSteps-v0`` (AndroidControl style): the oracle's trajectory replayed step by step; each
step's reply is scored against the oracle's action by AITW's matching rule and a stricter one."""

from __future__ import annotations

import json
from typing import Any

from mmturn.embodied.gui import formats
from mmturn.embodied.gui.app_data import clock_time
from mmturn.embodied.gui.apps import APP_CLASSES, make_apps
from mmturn.embodied.gui.device import Device
from mmturn.embodied.gui.goals import GOALS, Goal
from mmturn.embodied.gui.matching import aitw_match, element_boxes, strict_match, to_aitw
from mmturn.embodied.gui.planner import next_action, step_instruction
from mmturn.embodied.gui.render import THEMES
from mmturn.embodied.gui.views import accessibility_tree
from mmturn.tasks.env import DialogueEnv, MultiTurnEnv
from mmturn.tasks.registry import register_env
from mmturn.tasks.spaces import UnicodeText
from mmturn.tasks.tools import ToolCall
from mmturn.tasks.types import Action, Episode, Hints, Part, Reply, Turn, TurnResult


def _normal(text: str | None) -> str:
    return (text or "").strip().strip(".").strip().lower()


class _GoalEpisodes:
    """Shared set-up: seeded apps, a goal from a template (episode i plays template i mod n), the device,
    and the action format the model is prompted, parsed and answered (by the oracle) in."""

    def _setup(self, width: int, height: int, coords: str, templates, themes, action_format: str) -> None:
        unknown = [t for t in templates or () if t not in GOALS]
        if unknown:
            raise ValueError(f"unknown goal templates {unknown}; known: {', '.join(GOALS)}")
        self.format = formats.get_format(action_format, coords)
        self.width, self.height, self.coords = int(width), int(height), coords
        self.frame = self.format.frame(self.width, self.height)  # the prompt's and the oracle's frame
        self.templates, self.themes = tuple(templates or GOALS), tuple(themes)
        self.apps = ", ".join(cls.title for cls in APP_CLASSES.values())
        self.native_tools = False  # set per episode: the model is sent tools() natively

    def _new_goal(self, options: dict[str, Any]) -> tuple[Goal, Device]:
        rng = self.np_random
        template = self.templates[self.record_index(options, len(self.templates))]
        apps = make_apps(rng)
        goal = GOALS[template](rng, apps)
        theme = self.themes[int(rng.integers(len(self.themes)))]
        return goal, Device(apps, self.width, self.height, theme, clock=clock_time(rng))

    def _help(self) -> str:
        if self.native_tools:
            return self.format.tool_prompt(self.frame, self.apps)
        return self.format.prompt(self.frame, self.apps)

    def _random_actions(self) -> list[str]:
        """What the random baseline picks from: clicks anywhere, a scroll, back, or declaring completion."""
        rng = self.np_random
        actions = [
            {"action_type": "click", "x": float(rng.uniform(0, self.width)), "y": float(rng.uniform(0, self.height))}
            for _ in range(4)
        ]
        actions += [
            {"action_type": "scroll", "direction": "down"},
            {"action_type": "navigate_back"},
            {"action_type": "status", "goal_status": "complete"},
        ]
        return [self._say(a) for a in actions]

    def _say(self, action: dict[str, Any]) -> str:
        """An AndroidWorld action (screen pixels) as the model's format writes it."""
        return self.format.render(action, self.frame)

    def _plan(self, device: Device, goal: Goal, k: int, memo: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        return next_action(device, goal, k, memo, point_typing=self.format.point_typing)

    def facts(self) -> dict[str, Any]:
        return {"action_format": self.format.name, "action_format_version": self.format.version}


@register_env("GuiTasks-v0")
class GuiTasksEnv(_GoalEpisodes, MultiTurnEnv):
    extra_spaces = {"a11y": UnicodeText()}
    unbounded_scores = frozenset({"steps"})

    def __init__(
        self,
        width: int = 1080,
        height: int = 2400,
        coords: str = "pixel",
        templates: tuple[str, ...] | None = None,
        themes: tuple[str, ...] = tuple(THEMES),
        som: bool = False,
        action_format: str = "androidworld",
    ) -> None:
        super().__init__()
        self.som = bool(som)  # set-of-marks: clickable elements boxed and numbered; actions may name an "index"
        self._setup(width, height, coords, templates, themes, action_format)

    def _begin(self, options: dict[str, Any]) -> tuple[dict, Hints]:
        self.native_tools = bool(options.get("native_tools"))
        self.goal, self.device = self._new_goal(options)
        self.budget, self.steps, self.k, self.memo, self.note = int(10 * self.goal.complexity), 0, 0, {}, None
        return self._observe(first=True)

    def _observe(self, first: bool = False) -> tuple[dict, Hints]:
        root, _ = self.device.screen()
        self.tree = accessibility_tree(root)
        marks = ' Elements are marked with numbers: you may give "index": N instead of x and y.' if self.som else ""
        text = (
            f"Goal: {self.goal.text}\n{self._help()}{marks}"
            if first
            else (f"(Your last action did nothing: {self.note}.) " if self.note else "") + "What is your next action?"
        )
        suggestion, completes = self._plan(self.device, self.goal, self.k, self.memo)
        self.suggestion, self.completes = self._say(suggestion), completes
        hints = Hints(oracle_reply=self.suggestion, candidates=tuple(self._random_actions()), reply_template="{}")
        obs = {
            "parts": (Part.of_image(self.device.screenshot(self.som)), Part.of_text(text)),
            "a11y": json.dumps(self.tree),
        }
        return obs, hints

    def parse_reply(self, reply: Reply) -> Action:
        """The reply in the task's action format, its points read in the frame of the image the model was sent."""
        elements = [tuple(n["bbox_pixels"].values()) for n in self.tree]
        return self.format.read(reply, self.width, self.height, elements)

    def parse_action(self, text: str) -> Action:
        return self.parse_reply(Reply(text))

    def tools(self) -> list[dict[str, Any]]:
        return self.format.tools(self.frame, self.apps)

    def parse_tool_call(self, call: ToolCall) -> Action:
        return self.parse_reply(Reply("", tool_calls=(call,)))

    def success(self) -> float:
        """AndroidWorld: only a declared completion counts; infeasible goals are solved by declaring them so."""
        d, g = self.device, self.goal
        if d.status == "infeasible":
            return float(not g.feasible)
        if d.status != "complete" or not g.feasible or not g.check(d.apps):
            return 0.0
        return float(g.answer is None or _normal(d.answer) == _normal(g.answer))

    def _advance(self, action: Action) -> tuple[TurnResult, dict, bool, bool, Hints]:
        self.note = f"invalid action ({action.error})" if action.error else self.device.act(action)
        if action.text == self.suggestion and self.completes:
            self.k, self.memo = self.k + 1, {}
        self.steps += 1
        terminated = self.device.status is not None
        truncated = not terminated and self.steps >= self.budget
        scores = {"valid": float(action.error is None)}
        if terminated or truncated:
            scores.update(success=self.success(), reward=self.success(), steps=float(self.steps))
        g = self.goal
        target = {
            "template": g.template,
            "goal": g.text,
            "feasible": g.feasible,
            "answer": g.answer,
            "budget": self.budget,
        }
        details = {
            "action": action.kind,
            "args": dict(action.args),
            "note": self.note,
            "point": [action.args["x"], action.args["y"]] if "x" in action.args else None,
        }
        result = TurnResult(scores, target, error=action.error, details=details)
        if terminated or truncated:
            return result, self.empty_observation(), terminated, truncated, Hints()
        obs, hints = self._observe()
        return result, obs, False, False, hints


@register_env("GuiSteps-v0")
class GuiStepsEnv(_GoalEpisodes, DialogueEnv):
    """The oracle's trajectory for a goal, one step a turn (the gold action is applied whatever the
    reply, as in offline step-wise evaluation). ``level="low"`` also gives each step's instruction."""

    def __init__(
        self,
        width: int = 1080,
        height: int = 2400,
        coords: str = "pixel",
        level: str = "low",
        templates: tuple[str, ...] | None = None,
        themes: tuple[str, ...] = tuple(THEMES),
        action_format: str = "androidworld",
    ) -> None:
        super().__init__()
        if level not in ("high", "low"):
            raise ValueError(f"level must be 'high' or 'low', got {level!r}")
        self.level = level
        self._setup(width, height, coords, templates, themes, action_format)

    def make_episode(self, options: dict[str, Any]) -> Episode:
        goal, device = self._new_goal(options)
        turns, k, memo = [], 0, {}
        for _ in range(int(20 * goal.complexity)):  # the oracle needs far fewer; the bound only guards the loop
            root, _ = device.screen()
            tree = accessibility_tree(root)
            gold, completes = self._plan(device, goal, k, memo)
            step = goal.plan[k] if k < len(goal.plan) else None
            text = (
                f"Goal: {goal.text}\n"
                + (f"Step: {step_instruction(step, goal)}\n" if self.level == "low" else "")
                + self._help()
            )
            reply = self._say(gold)
            parsed = self.format.parse(reply, self.frame)
            target = {
                "gold": {"kind": parsed.kind, "args": parsed.args},
                "action_format": self.format.name,
                "coords": self.coords,
                "width": self.width,
                "height": self.height,
                "boxes": element_boxes(tree, self.width, self.height),
                "template": goal.template,
            }
            turns.append(
                Turn(
                    (Part.of_image(device.screenshot()), Part.of_text(text)),
                    target,
                    Hints(oracle_reply=reply, candidates=tuple(self._random_actions()), reply_template="{}"),
                )
            )
            device.act(parsed)
            if completes:
                k, memo = k + 1, {}
            if device.status is not None:
                break
        return Episode(goal.template, turns)

    def score(self, reply: str, target: dict[str, Any]) -> TurnResult:
        return score_step(reply, target)


def score_step(reply: str, target: dict[str, Any]) -> TurnResult:
    """type_match (same AITW action type), aitw (AITW's match), strict (and direction / text); reward = aitw."""
    predicted = formats.parse(
        reply, target.get("action_format", "androidworld"), target["width"], target["height"], coords=target["coords"]
    )
    boxes = [tuple(b) for b in target["boxes"]]
    a = to_aitw(predicted.kind, predicted.args, target["width"], target["height"])
    b = to_aitw(target["gold"]["kind"], target["gold"]["args"], target["width"], target["height"])
    aitw, strict = aitw_match(a, b, boxes), strict_match(a, b, boxes)
    scores = {
        "type_match": float(a["type"] == b["type"]),
        "aitw": float(aitw),
        "strict": float(strict),
        "reward": float(aitw),
    }
    point = [predicted.args["x"], predicted.args["y"]] if "x" in predicted.args else None
    return TurnResult(scores, target, error=predicted.error, details={"action": predicted.kind, "point": point})
