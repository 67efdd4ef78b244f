"""MiniWob++ in a real browser behind the common episode interface (``MiniWob-v0``). Each turn shows the
task area's screenshot, rendered at ``scale`` device pixels per CSS pixel (MiniWob's own 160x210 is too
small for VLMs), with the task's utterance; ``som=true`` adds the page's elements as a numbered list and
boxes them on the screenshot. Replies are read in any GUI action format (``action_format``) as
AndroidWorld actions and carried out with Selenium; points map back to the page exactly (divided by
``scale``). The task's clock is stopped (its time limit lifted): a slow model never times out, and an
episode is bounded by a step budget per task instead. An episode ends when MiniWob ends it, when the
agent declares it done (``status``), or at the budget (MiniWob's timeout reward, -1)."""

from __future__ import annotations

import importlib.metadata
from contextlib import contextmanager
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from mmturn.embodied.gui import formats
from mmturn.embodied.web.browser import TASK_H, TASK_W, BrowserError, Tab
from mmturn.embodied.web.oracle import Page, label_text, next_action
from mmturn.embodied.web.tasks_list import BUDGETS, DEFAULT_BUDGET, subset_tasks
from mmturn.tasks.env import MultiTurnEnv
from mmturn.tasks.registry import register_env
from mmturn.tasks.tools import ToolCall
from mmturn.tasks.types import Action, Hints, Part, Reply, TurnResult

NOT_ON_A_PAGE = ("navigate_back", "navigate_home", "open_app", "answer")
MARK_TAGS = (
    "button",
    "input_text",
    "input_password",
    "input_checkbox",
    "input_radio",
    "textarea",
    "select",
    "a",
    "span",
)


class MiniWobEnv(MultiTurnEnv):
    """Episode i plays task i mod len(tasks), seeded from the episode's seed: the same seed gives the
    same task instance."""

    unbounded_scores = frozenset({"steps", "reward"})  # MiniWob's reward is in [-1, 1]
    reward_score = "success"  # the gymnasium reward: 1 when MiniWob's reward is above 0

    def __init__(
        self,
        subset: str = "all",
        tasks: tuple[str, ...] | None = None,
        scale: float = 3.0,
        som: bool = False,
        action_format: str = "androidworld",
    ) -> None:
        super().__init__()
        self.tasks = subset_tasks(subset, tasks)
        if not 1 <= float(scale) <= 8:
            raise ValueError(f"scale must be between 1 and 8, got {scale}")
        self.scale, self.som = float(scale), bool(som)
        self.format = formats.get_format(action_format)
        self.width, self.height = round(TASK_W * self.scale), round(TASK_H * self.scale)
        self.frame = self.format.frame(self.width, self.height)
        self.tab: Tab | None = None
        self.native_tools = False

    @staticmethod
    def example_kwargs() -> dict[str, Any]:
        return {"subset": "sample"}

    def _begin(self, options: dict[str, Any]) -> tuple[dict, Hints]:
        if self.tab is None or not self.tab.browser.alive():
            self.tab = Tab(self.scale)  # this worker's browser: started on the first episode, or after a crash
        with _browser_errors():
            return self._start(options)

    def _start(self, options: dict[str, Any]) -> tuple[dict, Hints]:
        assert self.tab is not None
        self.native_tools = bool(options.get("native_tools"))
        self.task = self.tasks[self.record_index(options, len(self.tasks))]
        self.tab.begin(self.task, int(self.np_random.integers(2**31)))
        self.utterance, fields = self.tab.utterance()
        self.fields = dict(fields)
        self.memo: dict[str, Any] = {"task": self.task}
        self.budget, self.steps, self.note = BUDGETS.get(self.task, DEFAULT_BUDGET), 0, None
        return self._observe(first=True)

    def _observe(self, first: bool = False) -> tuple[dict, Hints]:
        assert self.tab is not None
        dom = self.tab.dom()
        self.marks = self._marks(dom) if self.som else []
        image = self.tab.screenshot()
        if self.som:
            image = _draw_marks(image, [box for box, _ in self.marks])
        prompt = self.format.tool_prompt if self.native_tools else self.format.prompt
        lines = [f"Task: {self.utterance}"]
        if first:
            lines.append(prompt(self.frame, "none (a web page)"))
        elif self.note:
            lines.append(f"(Your last action did nothing: {self.note}.)")
        if self.som:
            lines.append('Elements (you may give "index": N instead of x and y):')
            lines += [f"[{i}] {label}" for i, (_, label) in enumerate(self.marks)]
        if not first:
            lines.append("What is your next action?")
        page = Page(dom, self.utterance, self.fields, self.memo)
        planned = next_action(page)
        if planned is not None and planned["action_type"] == "input_text" and not self.format.point_typing:
            planned = _tap_then_type(page, planned)
        self.suggestion = self._say(planned) if planned is not None else ""
        hints = Hints(oracle_reply=self.suggestion, candidates=tuple(self._random_actions()), reply_template="{}")
        return {"parts": (Part.of_image(image), Part.of_text("\n".join(lines)))}, hints

    def _marks(self, dom) -> list[tuple[tuple[int, int, int, int], str]]:
        page = Page(dom, "", {})
        marks = []
        for e in page.elements():
            if e.tag in MARK_TAGS and e.width > 0 and e.height > 0 and e.left < TASK_W and e.top < TASK_H:
                box = tuple(round(v * self.scale) for v in (e.left, e.top, e.left + e.width, e.top + e.height))
                marks.append((box, f"{e.tag} {label_text(e)!r}".rstrip()))
        return marks

    def _say(self, action: dict[str, Any]) -> str:
        """An action in CSS pixels as the model's format writes it (screenshot pixels, in its frame)."""
        if "x" in action:
            action = {**action, "x": action["x"] * self.scale, "y": action["y"] * self.scale}
        return self.format.render(action, self.frame)

    def _random_actions(self) -> list[str]:
        rng = self.np_random
        points = [(float(rng.uniform(0, TASK_W)), float(rng.uniform(50, TASK_H))) for _ in range(4)]
        words = [w.strip('".,') for w in self.utterance.split() if w.strip('".,')] or ["a"]
        actions: list[dict[str, Any]] = [{"action_type": "click", "x": x, "y": y} for x, y in points]
        x, y = points[0]
        actions += [
            {"action_type": "input_text", "x": x, "y": y, "text": words[int(rng.integers(len(words)))]},
            {"action_type": "keyboard_enter"},
            {"action_type": "status", "goal_status": "complete"},
        ]
        return [self._say(a) for a in actions]

    def parse_reply(self, reply: Reply) -> Action:
        elements = [box for box, _ in self.marks] if self.som else None
        return self.format.read(reply, self.width, self.height, elements)

    def parse_action(self, text: str) -> Action:
        return self.parse_reply(Reply(text))

    def tools(self) -> list[dict[str, Any]]:
        return self.format.tools(self.frame, "none (a web page)")

    def parse_tool_call(self, call: ToolCall) -> Action:
        return self.parse_reply(Reply("", tool_calls=(call,)))

    def facts(self) -> dict[str, Any]:
        return {
            "action_format": self.format.name,
            "action_format_version": self.format.version,
            "miniwob": importlib.metadata.version("miniwob"),
        }

    def _act(self, action: Action) -> str | None:
        """Carry out an action on the page; returns why it did nothing, if it did nothing."""
        assert self.tab is not None
        kind, args = action.kind, action.args
        if action.error:
            return f"invalid action ({action.error})"
        if kind in NOT_ON_A_PAGE:
            return f"{kind} does nothing on a web page"
        if "x" in args:
            x, y = args["x"] / self.scale, args["y"] / self.scale
            self.tab.click(x, y, double=kind == "double_tap")
        if kind == "input_text":
            if "x" in args:
                self.tab.key("C-a")  # the typed text replaces the field's
            self.tab.type(args["text"])
        elif kind == "keyboard_enter":
            self.tab.key("<Enter>")
        elif kind in ("scroll", "swipe"):
            down = args["direction"] == ("down" if kind == "scroll" else "up")
            self.tab.scroll(TASK_W / 2, TASK_H / 2, 100 if down else -100)
        return None

    def _advance(self, action: Action) -> tuple[TurnResult, dict, bool, bool, Hints]:
        with _browser_errors():
            return self._step(action)

    def _step(self, action: Action) -> tuple[TurnResult, dict, bool, bool, Hints]:
        assert self.tab is not None
        self.note = self._act(action)
        if action.text == self.suggestion:
            self.memo["done"] = self.memo.get("done", 0) + 1
        self.steps += 1
        state = self.tab.state()
        declared = action.kind == "status" and action.error is None
        terminated = bool(state["done"]) or declared
        truncated = not terminated and self.steps >= self.budget
        scores = {"valid": float(action.error is None and action.kind not in NOT_ON_A_PAGE)}
        if terminated or truncated:
            reward = float(state["reward"]) if state["done"] else (-1.0 if truncated else 0.0)
            scores.update(success=float(reward > 0), reward=reward, steps=float(self.steps))
        target = {"task": self.task, "goal": self.utterance, "budget": self.budget}
        details = {
            "action": action.kind,
            "args": dict(action.args),
            "note": self.note,
            "point": [action.args["x"], action.args["y"]] if "x" in action.args else None,
            "reason": state.get("reason") if state["done"] else None,
        }
        result = TurnResult(scores, target, error=action.error, details=details)
        if terminated or truncated:
            return result, self.empty_observation(), terminated, truncated, Hints()
        obs, hints = self._observe()
        return result, obs, False, False, hints

    def close(self) -> None:
        if self.tab is not None:
            self.tab.close()
            self.tab = None


def _tap_then_type(page: Page, planned: dict[str, Any]) -> dict[str, Any]:
    """For formats whose typing names no field: tap the field, then type into it once it has the focus."""
    x, y = planned["x"], planned["y"]
    under = [e for e in page.elements() if e.left <= x <= e.left + e.width and e.top <= y <= e.top + e.height]
    if under and under[-1].focused:
        return {"action_type": "input_text", "text": planned["text"]}
    return {"action_type": "click", "x": x, "y": y}


@contextmanager
def _browser_errors():
    """Selenium's failures (a crashed browser, or a driver that no longer answers) as BrowserError: the
    episode is replayed."""
    from selenium.common.exceptions import WebDriverException
    from urllib3.exceptions import HTTPError

    try:
        yield
    except (WebDriverException, HTTPError, ConnectionError) as e:  # the driver's answer, or no answer at all
        raise BrowserError(
            f"the browser failed: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        ) from None


def _draw_marks(image: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
    """Set-of-marks: each element's box outlined and numbered."""
    out = Image.fromarray(image)
    draw = ImageDraw.Draw(out)
    for i, (x1, y1, x2, y2) in enumerate(boxes):
        draw.rectangle((x1, y1, x2, y2), outline=(230, 30, 30), width=2)
        draw.rectangle((x1, y1, x1 + 14 + 7 * len(str(i)), y1 + 16), fill=(230, 30, 30))
        draw.text((x1 + 3, y1 + 2), str(i), fill=(255, 255, 255))
    return np.asarray(out)


register_env("MiniWob-v0")(MiniWobEnv)
