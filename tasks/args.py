"""``--model-args`` / ``--task-args``: lmms-eval's ``k=v,k2=v2`` text, read with shell-style quoting
(``prompt="a, b"`` keeps its comma), then typed by the parameters of the constructor that takes them
(``model=0123`` stays the string "0123" where ``model`` is a ``str``). A name the constructor does not
take is a one-line error listing the names it does take."""

from __future__ import annotations

import inspect
import json
import shlex
import types
import typing
from typing import Any, Callable

TRUE, FALSE, NONE = ("true", "yes", "1"), ("false", "no", "0"), ("none", "null")


def parse_kv(text: str | None, option: str = "--model-args") -> dict[str, str]:
    """``a=1,b="x, y"`` -> {"a": "1", "b": "x, y"}; values stay text until ``typed_args`` types them."""
    lexer = shlex.shlex(text or "", posix=True)
    lexer.whitespace, lexer.whitespace_split, lexer.commenters = ",", True, ""
    try:
        items = list(lexer)
    except ValueError as e:  # an unclosed quote
        raise ValueError(f"argument {option}: {e} in {text!r}") from None
    args: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"argument {option}: bad item {item!r}: expected key=value")
        args[key.strip()] = value.strip()
    return args


def _kinds(hint: Any) -> tuple[Any, ...]:
    """The plain types a (possibly Optional / union) annotation admits; () when it says nothing usable."""
    if hint is inspect.Parameter.empty or hint is Any:
        return ()
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return tuple(k for arg in typing.get_args(hint) for k in _kinds(arg))
    if origin is typing.Literal:
        return (str,)
    return (origin or hint,)


def guess(value: str) -> Any:
    """A value for a parameter without a usable annotation: bool, None, int, float or the text itself."""
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in NONE:
        return None
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def _convert(value: str, kinds: tuple[Any, ...]) -> Any:
    lowered = value.lower()
    if type(None) in kinds and lowered in NONE:
        return None
    for kind in kinds:
        if kind is bool and lowered in TRUE + FALSE:
            return lowered in TRUE
        if kind in (int, float):
            try:
                return kind(value)
            except ValueError:
                continue
        if kind in (list, tuple, dict):
            try:
                parsed = json.loads(value)
            except ValueError:
                continue
            if isinstance(parsed, list if kind is tuple else kind):
                return kind(parsed)
    if any(k is str or (isinstance(k, type) and k.__name__.endswith("Path")) for k in kinds):
        return value
    names = " or ".join(getattr(k, "__name__", str(k)) for k in kinds if k is not type(None))
    raise ValueError(f"must be {names}")


def typed_args(target: Callable, args: dict[str, Any], what: str) -> dict[str, Any]:
    """``args`` checked against ``target``'s parameters (a class: its ``__init__``) and text values typed
    by their annotations. ``what`` names the target in errors, e.g. "model 'openai'"."""
    init = getattr(target, "__init__") if isinstance(target, type) else target  # noqa: B009 (a class's own constructor)
    params = (
        {}
        if init is object.__init__
        else {
            n: p
            for n, p in inspect.signature(init).parameters.items()
            if n != "self" and p.kind not in (p.VAR_POSITIONAL,)
        }
    )
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    named = {n: p for n, p in params.items() if p.kind is not p.VAR_KEYWORD}
    unknown = [k for k in args if k not in named and not accepts_any]
    if unknown:
        raise ValueError(f"{what} does not take {', '.join(unknown)}; it takes: {', '.join(named) or 'no arguments'}")
    try:
        hints = typing.get_type_hints(init)
    except Exception:  # noqa: BLE001 (an annotation that does not evaluate: guess instead)
        hints = {}
    out = {}
    for key, value in args.items():
        if not isinstance(value, str):  # already typed (a stored config, a library call)
            out[key] = value
            continue
        kinds = _kinds(hints.get(key, inspect.Parameter.empty))
        try:
            out[key] = _convert(value, kinds) if kinds else guess(value)
        except ValueError as e:
            raise ValueError(f"{what}: {key}={value!r} {e}") from None
    return out
