"""Native tool calls (OpenAI function calling). An env offers its actions as function tools whose JSON
Schemas are generated from pydantic models (one definition per action space); a model's calls come back
as ``ToolCall``s, from the API's ``tool_calls`` or, for open models decoded locally, from the
Hermes / Qwen text form ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``."""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass
from typing import Any, Iterator

from pydantic import BaseModel, ValidationError

TOOL_CALL_RE = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|\Z)", re.DOTALL)


@dataclass(frozen=True)
class ToolCall:
    """One function call of a reply: the function's name and its arguments as the JSON text the model sent."""

    name: str
    arguments: str = "{}"
    id: str = ""

    def args(self) -> dict[str, Any] | None:
        """The arguments as an object, or None when they are not a JSON object."""
        try:
            value = json.loads(self.arguments or "{}")
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "arguments": self.arguments}


class NoArguments(BaseModel):
    """An action without arguments."""


def _untitled(schema: Any) -> Any:
    """A pydantic JSON Schema without its generated titles (noise in a prompt)."""
    if isinstance(schema, dict):
        return {k: _untitled(v) for k, v in schema.items() if k != "title" or not isinstance(v, str)}
    if isinstance(schema, list):
        return [_untitled(v) for v in schema]
    return schema


def function_tool(name: str, model: type[BaseModel], description: str | None = None) -> dict[str, Any]:
    """An OpenAI function tool: the name, a description (the model's docstring unless given) and the
    model's JSON Schema as its parameters."""
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description or inspect.getdoc(model) or name,
            "parameters": _untitled(model.model_json_schema()),
        },
    }


def tool_names(tools: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> list[str]:
    return [t["function"]["name"] for t in tools]


def validated(model: type[BaseModel], arguments: dict[str, Any]) -> tuple[BaseModel | None, str | None]:
    """The arguments as ``model``, or a one-line error naming the first bad field."""
    try:
        return model.model_validate(arguments), None
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "arguments"
        return None, f"{where}: {first['msg']}"


def json_objects(text: str) -> Iterator[dict[str, Any]]:
    """Every JSON object embedded in free text, in order (nested ones inside an object are not separate)."""
    decoder, at = json.JSONDecoder(), text.find("{")
    while at >= 0:
        try:
            value, end = decoder.raw_decode(text, at)
        except ValueError:
            at = text.find("{", at + 1)
            continue
        if isinstance(value, dict):
            yield value
        at = text.find("{", end)


def text_tool_calls(text: str) -> tuple[ToolCall, ...]:
    """The ``<tool_call>`` blocks of a decoded reply (an unclosed last block counts: generation may stop
    at its end), in order; blocks that are not ``{"name": ..., "arguments": ...}`` JSON are skipped."""
    calls = []
    for k, match in enumerate(TOOL_CALL_RE.finditer(text)):
        try:
            data = json.loads(match.group(1))
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            arguments = data.get("arguments", data.get("parameters", {}))
            text_args = arguments if isinstance(arguments, str) else json.dumps(arguments)
            calls.append(ToolCall(data["name"], text_args, f"call_{k}"))
    return tuple(calls)


def without_tool_calls(text: str) -> str:
    """The reply's text with its ``<tool_call>`` blocks removed."""
    return TOOL_CALL_RE.sub("", text).strip()
