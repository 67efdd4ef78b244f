"""Typed records shared by every family: parts of a turn, episodes, model requests/replies, turn results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import xxhash

from mmturn.tasks.tools import ToolCall


@dataclass(frozen=True, eq=False)
class Part:
    """One element of an interleaved user turn: a text span or an RGB uint8 image (H, W, 3)."""

    kind: Literal["text", "image"]
    text: str = ""
    image: np.ndarray | None = None

    @staticmethod
    def of_text(text: str) -> "Part":
        return Part("text", text=text)

    @staticmethod
    def of_image(image: np.ndarray) -> "Part":
        image = np.ascontiguousarray(image, dtype=np.uint8)
        image.setflags(write=False)  # shared by every later turn of the history: never mutated
        return Part("image", image=image)

    @property
    def digest(self) -> str:
        """Content hash: the name an image is stored under, computed once per part."""
        cached = self.__dict__.get("_digest")
        if cached is None:
            h = xxhash.xxh3_128()  # 40x faster than sha256 on images; content addressing needs no crypto
            if self.image is not None:
                h.update(repr(self.image.shape).encode())
                h.update(memoryview(np.ascontiguousarray(self.image)).cast("B"))  # type: ignore[arg-type]  # no copy
            else:
                h.update(self.text.encode("utf-8", "surrogatepass"))
            cached = h.hexdigest()
            object.__setattr__(self, "_digest", cached)
        return cached

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Part) or other.kind != self.kind:
            return False
        if self.kind == "text":
            return self.text == other.text
        if self.image is None or other.image is None:
            return self.image is other.image
        return self.image.shape == other.image.shape and bool(np.array_equal(self.image, other.image))

    def __hash__(self) -> int:
        return hash(self.digest)


def turn_text(parts: tuple[Part, ...]) -> str:
    """The text of a turn with images shown as <image> placeholders (for logs and text-only views)."""
    return "".join(p.text if p.kind == "text" else "<image>" for p in parts)


@dataclass
class Message:
    """One message of the conversation a model sees: the user's interleaved parts, the assistant's text
    (and its tool calls), or a ``tool`` message answering the call ``tool_call_id``."""

    role: Literal["system", "user", "assistant", "tool"]
    parts: tuple[Part, ...]
    reasoning: str | None = None  # an assistant's trace; sent back only with keep_reasoning=true
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None


@dataclass(frozen=True)
class Hints:
    """What a scripted baseline may know before a turn; never shown to a model, never logged.

    The oracle replays ``oracle_reply`` (and ``oracle_images``, the exact edited image where the turn asks
    for one); ``random`` draws one of ``candidates`` into ``reply_template``, or changes the image where
    ``edits_image``; ``forgetful`` answers ``answer_text`` and follows only ``newest_instruction``."""

    oracle_reply: str = ""
    oracle_images: tuple[Part, ...] = ()
    candidates: tuple[str, ...] = ()
    reply_template: str = "Looking at the image, the answer is {}."
    edits_image: bool = False
    answer_text: str = ""
    newest_instruction: tuple | None = None  # (instruction id, kwargs)

    def oracle_action(self) -> str | tuple[Part, ...]:
        """The oracle's reply as an env action: its text, or its text and images for image-returning turns."""
        return (
            ((Part.of_text(self.oracle_reply),) if self.oracle_reply else ()) + self.oracle_images
            if self.oracle_images
            else self.oracle_reply
        )


@dataclass
class Request:
    """What a model is asked: the conversation so far, plus the hints only scripted baselines may read."""

    messages: list[Message]
    seed: int
    hints: Hints = field(default_factory=Hints)
    sample_index: int = 0  # the repeat index, so that sampled replies of repeats differ and cache apart
    turn: int = 0  # the turn's index in its episode (the messages may be a window of the history)
    tools: tuple[dict[str, Any], ...] = ()  # the env's actions as function tools (sent with tools=true)


@dataclass
class Reply:
    text: str
    latency_s: float = 0.0
    input_tokens: int | None = None
    output_tokens: int | None = None
    error: str | None = None  # a model failure that was recorded instead of raised
    cached: bool = False
    images: tuple[Part, ...] = ()  # images a model returned (image editing), after the text
    reasoning: str | None = None  # the reasoning trace the model sent before its answer (``text`` is the answer)
    reasoning_truncated: bool = False  # the trace never closed: the answer is empty and the turn fails
    reasoning_tokens: int | None = None
    tool_calls: tuple[ToolCall, ...] = ()  # native function calls (tools=true): the first is the action
    image_size: tuple[int, int] | None = None  # (w, h) of the newest image as the model was sent it

    @property
    def parts(self) -> tuple[Part, ...]:
        """The reply as an interleaved turn: its text, then its images."""
        return ((Part.of_text(self.text),) if self.text else ()) + tuple(self.images)


def last_image(messages: list[Message]) -> Part | None:
    """The newest image of a conversation, whoever sent it (an editing model edits the latest image)."""
    for m in reversed(messages):
        for p in reversed(m.parts):
            if p.kind == "image":
                return p
    return None


@dataclass(frozen=True)
class Action:
    """A reply as the env understands it: the raw text, the parsed action (``kind`` and ``args``,
    e.g. a click and its point), and the parse error that made it a scored no-op, if any."""

    text: str
    kind: str = "reply"
    args: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class Turn:
    """One scripted user turn of a dialogue episode and the ground truth its reply is scored against."""

    parts: tuple[Part, ...]
    target: dict[str, Any]
    hints: Hints = field(default_factory=Hints)  # what scripted baselines may read


@dataclass
class Episode:
    id: str
    turns: list[Turn]
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Score:
    """What one scorer says of one reply: named values in [0, 1] (or counts, prefixed ``n_``) and details."""

    values: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class TurnResult:
    """The scored outcome of one step: what the env logs for a turn."""

    scores: dict[str, float]
    target: dict[str, Any]
    error: str | None = None  # e.g. the parse error of an unparseable reply
    details: dict[str, Any] = field(default_factory=dict)  # per-check outcomes, extracted values
