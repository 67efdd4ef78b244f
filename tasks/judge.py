"""Judge models, the pure part: what a family asks to have judged (``JudgeItem``, chosen from each turn
record by its task's ``JudgeSpec``), versioned prompt templates with their scale and dimensions, the
parser of a judge's rating, and the judge's agreement with code verdicts. judge_pass.py runs a judge
over a stored run."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import jinja2

from mmturn.tasks.metrics import TurnLog
from mmturn.tasks.tools import json_objects

TEMPLATES = Path(__file__).parent / "templates"
_META = re.compile(r"^\{#\s*judge:\s*(\{.*?\})\s*#\}", re.DOTALL)


@dataclass(frozen=True)
class JudgeItem:
    """One turn as a judge sees it: the question, the answer under test, a reference answer where there
    is one, the images (content hashes, read from the run folder), and the code's own pass / fail verdict
    where code also decides (for the agreement table); ``decided``: an exact answer scores it by code."""

    question: str
    answer: str
    reference: str | None = None
    images: tuple[str, ...] = ()
    verdict: bool | None = None
    decided: bool = False


Select = Callable[[TurnLog, tuple[str, ...]], "JudgeItem | None"]  # (turn record, the episode's images so far)


@dataclass(frozen=True)
class JudgeSpec:
    """How a task is judged: its default template and which turns, as what; ``pairwise``: its answers are
    text, which ``mmturn compare`` can set side by side."""

    template: Path
    select: Select
    pairwise: bool = True


@dataclass(frozen=True)
class Template:
    """A jinja2 prompt whose first line declares ``{# judge: {"name", "version", "scale": [lo, hi],
    "dimensions": [...], "headline": dimension} #}``; the rating parsed from the judge's reply must give
    every dimension a number within the scale."""

    name: str
    version: str
    scale: tuple[float, float]
    dimensions: tuple[str, ...]
    headline: str
    text: str
    sha256: str

    @staticmethod
    def load(path: Path | str) -> "Template":
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise ValueError(f"judge template {path}: {e.strerror or e}") from None
        match = _META.match(text)
        try:
            meta = json.loads(match.group(1)) if match else {}
            lo, hi = (float(v) for v in meta.get("scale", (1, 10)))
            dimensions = tuple(str(d) for d in meta.get("dimensions", ("score",)))
        except (ValueError, TypeError) as e:
            raise ValueError(f"judge template {path}: its '{{# judge: ... #}}' line is not valid ({e})") from None
        try:
            jinja2.Environment(undefined=jinja2.StrictUndefined).parse(text)
        except jinja2.TemplateSyntaxError as e:
            raise ValueError(f"judge template {path}, line {e.lineno}: {e.message}") from None
        return Template(
            name=str(meta.get("name", path.stem)),
            version=str(meta.get("version", "1")),
            scale=(lo, hi),
            dimensions=dimensions,
            headline=str(meta.get("headline", dimensions[-1])),
            text=text,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
        )

    def render(self, **fields: Any) -> str:
        env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
        try:
            return env.from_string(self.text).render(scale=self.scale, dimensions=self.dimensions, **fields).strip()
        except jinja2.UndefinedError as e:
            raise ValueError(f"judge template {self.name}: {e.message}") from None

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "sha256": self.sha256, "scale": list(self.scale)}


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def parse_rating(text: str, template: Template) -> dict[str, float] | None:
    """The rating in a judge's reply: JSON (``{"score": N}``, or one field per dimension), MT-Bench's
    ``[[N]]``, or a ``Score: N`` / ``Rating: N`` line. None when a dimension lacks a number or one lies
    outside the template's scale (the judge is asked again, then the turn counts as unparsed)."""
    lo, hi = template.scale
    dims = template.dimensions

    def checked(values: dict[str, float | None]) -> dict[str, float] | None:
        if any(v is None or not lo <= v <= hi for v in values.values()):
            return None
        return {k: float(v) for k, v in values.items() if v is not None}

    for data in json_objects(text):
        keys = {re.sub(r"[\s-]+", "_", str(k).strip().lower()): v for k, v in data.items()}
        if len(dims) == 1 and dims[0] not in keys:
            keys[dims[0]] = keys.get("score", keys.get("rating"))
        values = {d: _number(keys.get(d)) for d in dims}
        if all(v is not None for v in values.values()):
            return checked(values)
    if len(dims) == 1:
        found = re.search(r"\[\[\s*(-?\d+(?:\.\d+)?)\s*\]\]", text) or re.search(
            r"\b(?:score|rating)\s*[:=]\s*\[*\s*(-?\d+(?:\.\d+)?)", text, re.IGNORECASE
        )
        if found:
            return checked({dims[0]: _number(found.group(1))})
    return None


def parse_verdict(text: str) -> str | None:
    """A pairwise verdict, MT-Bench style: ``[[A]]``, ``[[B]]`` or ``[[C]]`` (a tie); None otherwise."""
    found = re.findall(r"\[\[\s*([ABC])\s*\]\]", text)
    return found[-1] if len(set(found)) == 1 else None


def cohen_kappa(pairs: list[tuple[bool, bool]]) -> float | None:
    """Cohen's kappa = (p_o - p_e) / (1 - p_e): observed agreement beyond what the two raters' rates of
    "pass" give by chance; None when chance agreement is already 1 (both rate everything alike)."""
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    pa, pb = sum(a for a, _ in pairs) / n, sum(b for _, b in pairs) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return None if expected >= 1 else (observed - expected) / (1 - expected)
