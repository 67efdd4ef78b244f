"""The lines of a sample log, typed and built in one place: a ``TurnRecord`` for every turn played and an
``EpisodeRecord`` when an episode finishes or fails. Each carries ``schema``; ``results.json`` carries
``schema_version``. Readers accept every schema up to ``SCHEMA_VERSION`` (version 1, the first, had no
``schema`` field and the same fields otherwise; version 3 added a turn's ``tool_calls``) and refuse newer
ones with a clear message."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

SCHEMA_VERSION = 3


@dataclass
class EpisodeKey:
    """Which episode a record belongs to: the task, its index and repeat, the attempt that played it, its seed."""

    task: str
    index: int
    repeat: int
    attempt: str
    seed: int

    def key(self) -> dict[str, Any]:
        """The key's fields alone (also of a record that extends it)."""
        return {f.name: getattr(self, f.name) for f in fields(EpisodeKey)}


@dataclass
class TurnRecord(EpisodeKey):
    turn: int = 0
    episode_id: str | None = None
    observation: list[dict[str, str]] = field(default_factory=list)  # {"text": ...} or {"image": content hash}
    reply: str = ""
    reply_images: list[dict[str, str]] = field(default_factory=list)
    tool_calls: list[dict[str, str]] = field(default_factory=list)  # native calls: {"id", "name", "arguments"}
    reward: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)
    target: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # the env's error for this turn (e.g. an unparseable action)
    details: dict[str, Any] = field(default_factory=dict)
    model_error: str | None = None  # a model failure recorded on the turn (content_filter, length)
    reasoning: str | None = None  # the model's reasoning trace (scoring saw only ``reply``)
    reasoning_truncated: bool = False
    reasoning_tokens: int | None = None
    latency_s: float = 0.0
    env_s: float = 0.0
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached: bool = False
    terminated: bool = False
    truncated: bool = False
    type: Literal["turn"] = "turn"
    schema: int = SCHEMA_VERSION

    def to_json(self) -> dict[str, Any]:
        return dict(vars(self))  # the fields as they are: the log line's JSON encoder walks the nested values


@dataclass
class EpisodeRecord(EpisodeKey):
    status: Literal["done", "error"] = "done"
    turns: int = 0
    finished_at: float | None = None
    error: str | None = None
    traceback: str | None = None
    type: Literal["episode"] = "episode"
    schema: int = SCHEMA_VERSION

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


def schema_problem(version: Any, where: str) -> str | None:
    """Why a record or results file of ``version`` cannot be read, or None."""
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return f"{where}: schema {version!r} is not a version number"
    if version > SCHEMA_VERSION:
        return (
            f"{where}: written by a newer mmturn (schema {version}; this one reads up to {SCHEMA_VERSION}): "
            "upgrade mmturn"
        )
    return None
