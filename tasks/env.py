"""The episode interface every family implements: a gymnasium Env whose observation is the next user turn.

Observation: ``{"parts": (Part, ...)}`` plus family fields declared in ``extra_spaces``.
Action: the model's reply text (any unicode string), or, for envs with ``image_actions`` (image
editing), the reply as an interleaved turn of text and images; the runner steps with the whole ``Reply``
(its tool calls and the size of the image the model was sent included), read by ``parse_reply``.
``info`` carries ``scores`` of the turn just played, ``error`` (e.g. a parse error), ``target`` and
``details`` (logged), and ``hints``: a ``Hints`` object for scripted baselines, never shown to a model
and never logged.

What a subclass writes (abstract methods are enforced: a class that leaves one out cannot be built):
``_begin`` and ``_advance`` (or, for ``DialogueEnv``, ``make_episode`` and ``score``). What it may add:
``example_kwargs`` (arguments that make it playable from shipped data), ``dataset_size`` (a dataset
env's record count), ``find_image`` (an image of the episode by content hash, for rescoring),
``episode_id``, ``tools`` and ``parse_tool_call`` (its actions as function tools), ``parse_reply``
and ``facts`` (what results.json records of it, e.g. an action format's version); ``reward_score``
names the score that is the gymnasium reward. ``spawn()`` builds
another env from the constructor's own arguments: nothing mutable is shared between the envs of
concurrent episodes.
"""

from __future__ import annotations

import copy
import hashlib
from abc import ABCMeta, abstractmethod
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from mmturn.tasks.spaces import Interleaved, UnicodeText
from mmturn.tasks.tools import ToolCall
from mmturn.tasks.types import Action, Episode, Hints, Part, Reply, TurnResult, turn_text


def episode_seed(run_seed: int, task: str, index: int) -> int:
    """Seed of one episode, derived from (run seed, task, episode index): adding episodes reshuffles none."""
    digest = hashlib.sha256(f"{run_seed}\x1f{task}\x1f{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1  # a non-negative int64


def _blank(space: spaces.Space) -> Any:
    if isinstance(space, UnicodeText):
        return ""
    if isinstance(space, spaces.Box):
        return np.zeros(space.shape, space.dtype)
    raise TypeError(f"no blank value for a {type(space).__name__} observation field")


class MultiTurnEnv(gym.Env[dict, str], metaclass=ABCMeta):
    """Base of every mmturn env. Subclasses implement ``_begin`` and ``_advance``; this class keeps the
    gymnasium contract (spaces, seeding, fresh info objects, garbage actions never raising)."""

    metadata = {"render_modes": []}  # noqa: RUF012 (gymnasium's own class attribute)
    extra_spaces: ClassVar[dict[str, spaces.Space]] = {}
    unbounded_scores: ClassVar[frozenset[str]] = frozenset()  # scores that are not in [0, 1] (counts, metres)
    _init_args: tuple[tuple, dict[str, Any]]  # the constructor's arguments, set in __new__
    image_actions: ClassVar[bool] = False  # replies carry images (editing): the action is an Interleaved turn
    reward_score: ClassVar[str] = "reward"  # the turn's score that is its gymnasium reward (0 when absent)

    def __new__(cls, *args: Any, **kwargs: Any) -> "MultiTurnEnv":
        env = super().__new__(cls)
        env._init_args = (args, dict(kwargs))  # what spawn() builds the next env from
        return env

    def __init__(self) -> None:
        self.observation_space = spaces.Dict({"parts": Interleaved(), **self.extra_spaces})
        self.action_space = Interleaved() if self.image_actions else UnicodeText()
        self.turn_index = 0

    @abstractmethod
    def _begin(self, options: dict[str, Any]) -> tuple[dict, Hints]:
        """Start an episode using ``self.np_random``; return (first observation, hints for the first turn).
        ``options``: ``index`` (the dataset record or template to play) and ``native_tools`` (the model is
        sent ``tools()`` as function tools: a prompt need not spell them out)."""

    @abstractmethod
    def _advance(self, action: Action) -> tuple[TurnResult, dict, bool, bool, Hints]:
        """Score ``action`` and move on: (result, next observation, terminated, truncated, next hints)."""

    @staticmethod
    def example_kwargs() -> dict[str, Any]:
        """Constructor arguments that make this env playable from shipped data (for envs that need some)."""
        return {}

    def dataset_size(self) -> int | None:
        """How many records a dataset env holds (the runner plays at most that many); None: unbounded."""
        return None

    def find_image(self, digest: str) -> Part | None:
        """An image of the current episode by content hash; ``mmturn score`` replaces it to read the run folder."""
        return None

    def episode_id(self) -> str | None:
        """The current episode's id, logged with each turn."""
        episode = getattr(self, "episode", None)
        return getattr(episode, "id", None)

    def record_index(self, options: dict[str, Any], size: int) -> int:
        """Which dataset record an episode plays: ``options["index"]`` (the runner's episode index,
        wrapped), else one drawn from ``np_random`` (as the env checker resets)."""
        index = options.get("index")
        return int(self.np_random.integers(size)) if index is None else int(index) % size

    def parse_action(self, text: str) -> Action:
        """The family's reading of a reply (a click, a move...); must not raise: a reply that does not
        parse is an Action with ``error`` set, scored as a failed turn. Dialogue replies are text."""
        return Action(text)

    def parse_parts(self, parts: tuple[Part, ...]) -> Action:
        """The reading of an interleaved reply (``image_actions`` envs); by default its text."""
        return self.parse_action(turn_text(parts))

    def tools(self) -> list[dict[str, Any]]:
        """The env's actions as OpenAI function tools (offered with ``tools=true``); [] for free-text replies."""
        return []

    def parse_tool_call(self, call: ToolCall) -> Action:
        """A native tool call as an action (envs that offer ``tools``)."""
        return Action(call.arguments, "invalid", error=f"this task offers no tools (the model called {call.name!r})")

    def parse_reply(self, reply: Reply) -> Action:
        """A whole reply as an action: its first tool call if it made one, else its parts (``image_actions``
        envs) or its text."""
        if reply.tool_calls:
            return self.parse_tool_call(reply.tool_calls[0])
        return self.parse_parts(reply.parts) if self.image_actions else self.parse_action(reply.text)

    def facts(self) -> dict[str, Any]:
        """What results.json records of this env's configuration beyond its arguments (e.g. format versions)."""
        return {}

    def spawn(self) -> "MultiTurnEnv":
        """An independent env like this one, for another concurrent episode: built anew from the same arguments."""
        args, kwargs = self._init_args
        env = type(self)(*args, **kwargs)
        env.spec = self.spec  # gymnasium's registration record (set by gymnasium.make), immutable
        return env

    def empty_observation(self) -> dict:
        """The observation after the last turn: an empty user turn, family fields blank."""
        return {"parts": (), **{k: _blank(space) for k, space in self.extra_spaces.items()}}

    def reward(self, result: TurnResult) -> float:
        """Reward of a turn: its ``reward_score`` (0 when the turn failed or lacks it)."""
        return float(result.scores.get(self.reward_score, 0.0))

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.turn_index = 0
        obs, hints = self._begin(dict(options or {}))
        return obs, self._info(hints)

    def step(self, action: str | tuple[Part, ...] | Reply):
        if isinstance(action, Reply):
            parsed = self.parse_reply(action)
        elif isinstance(action, (tuple, list)) and all(isinstance(p, Part) for p in action):
            parsed = self.parse_parts(tuple(action))
        else:  # a wrong type is the model's failure, not a crash
            parsed = self.parse_action(action if isinstance(action, str) else "" if action is None else str(action))
        result, obs, terminated, truncated, hints = self._advance(parsed)
        self.turn_index += 1
        info = self._info(hints, result)
        info["action"] = {"kind": parsed.kind, "args": copy.deepcopy(parsed.args), "error": parsed.error}
        return obs, self.reward(result), terminated, truncated, info

    def _info(self, hints: Hints, result: TurnResult | None = None) -> dict[str, Any]:
        info: dict[str, Any] = {"turn": self.turn_index, "hints": hints}  # Hints are frozen: shared safely
        if result is not None:
            info.update(
                scores=dict(result.scores),
                target=copy.deepcopy(result.target),
                error=result.error,
                details=copy.deepcopy(result.details),
            )
        return info


class DialogueEnv(MultiTurnEnv):
    """An env whose user turns are fixed by the episode (image dialogue): the reply does not change
    what is asked next, only how it scores. Subclasses build the episode and score a reply."""

    @abstractmethod
    def make_episode(self, options: dict[str, Any]) -> Episode:
        """Build the episode from ``self.np_random`` (synthetic) or ``options['index']`` (a dataset)."""

    @abstractmethod
    def score(self, reply: str, target: dict[str, Any]) -> TurnResult:
        """Score one reply against one turn's target; never raises on any text."""

    def hints(self, turn_index: int) -> Hints:
        """What a scripted baseline may know before answering turn ``turn_index``: that turn's hints."""
        return self.episode.turns[turn_index].hints

    def _observation(self, index: int) -> dict:
        return {"parts": tuple(self.episode.turns[index].parts)}

    def _begin(self, options: dict[str, Any]) -> tuple[dict, Hints]:
        self.episode = self.make_episode(options)
        return self._observation(0), self.hints(0)

    def _advance(self, action: Action) -> tuple[TurnResult, dict, bool, bool, Hints]:
        turns = self.episode.turns
        if self.turn_index >= len(turns):  # stepping a finished episode: nothing left to score
            return TurnResult({}, {}, error="episode already finished"), self.empty_observation(), True, False, Hints()
        result = self.score(action.text, turns[self.turn_index].target)
        nxt = self.turn_index + 1
        if nxt >= len(turns):
            return result, self.empty_observation(), True, False, Hints()
        return result, self._observation(nxt), False, False, self.hints(nxt)
