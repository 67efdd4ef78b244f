"""Reasoning traces: reasoning models send a trace before their answer, in a separate field
(``reasoning_content`` from vLLM / SGLang reasoning parsers and DeepSeek-style APIs, or ``reasoning``) or
inline as ``<think>...</think>`` (Qwen3, GLM-4.1V-Thinking, Kimi-VL-Thinking; what a local ``hf`` model
decodes). Scoring sees the answer only; the trace is logged; a trace that never closes (the token budget
ran out while thinking) leaves an empty answer, and the turn is flagged ``reasoning_truncated``."""

from __future__ import annotations

from dataclasses import dataclass

THINK_TAGS = ("<think>", "</think>")


@dataclass(frozen=True)
class Split:
    answer: str
    trace: str | None = None  # None: the reply had no trace
    truncated: bool = False  # the trace was opened and never closed


def parse_tags(text: str | None) -> tuple[str, str]:
    """``think_tags=`` as given on the command line: "<think>,</think>" (or one tag: its closing form is derived)."""
    if not text:
        return THINK_TAGS
    opening, _, closing = text.partition(",")
    opening = opening.strip()
    return opening, closing.strip() or opening.replace("<", "</", 1)


def split_reasoning(text: str, tags: tuple[str, str] = THINK_TAGS) -> Split:
    """Separate an inline trace from the answer. A closing tag without an opening one (chat templates that
    open the trace in the prompt) ends a trace that began with the reply."""
    opening, closing = tags
    start = text.find(opening)
    end = text.find(closing, start + len(opening) if start >= 0 else 0)
    if start >= 0 and text[:start].strip() == "":
        if end < 0:
            return Split("", text[start + len(opening) :].strip(), truncated=True)
        return Split(text[end + len(closing) :].strip(), text[start + len(opening) : end].strip())
    if start < 0 and end >= 0:
        return Split(text[end + len(closing) :].strip(), text[:end].strip())
    return Split(text)


def with_trace(answer: str, trace: str | None, tags: tuple[str, str] = THINK_TAGS) -> str:
    """An assistant message as the model wrote it, trace included (``keep_reasoning=true``)."""
    return f"{tags[0]}{trace}{tags[1]}{answer}" if trace else answer
