"""Users' image-dialogue data: a simple JSONL, MMDU's benchmark JSON, and the MMMT-IF release CSV.

Each loader returns ``DialogueSpec`` records (text, image paths, targets) validated up front with
file/line/field errors, every image decoded once (and dropped) so that a broken file fails the load,
not an episode; the images are decoded again when an episode is played.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmturn.tasks.datasets import DatasetError, check_image, number, read_json, read_jsonl, read_text, require
from mmturn.vision.dialogue.answers import Answer
from mmturn.vision.instructions import validate

Instr = list  # [instruction_id, kwargs]


@dataclass
class TurnSpec:
    text: str
    images: list[str] = field(default_factory=list)  # paths (inside the root) shown at this turn, before the text
    answer: Answer | None = None
    new_instructions: list[Instr] = field(default_factory=list)
    reference: str | None = None  # a free-form reference answer (MMDU), kept for the report


@dataclass
class DialogueSpec:
    id: str
    turns: list[TurnSpec]
    source: str  # "file:line" where the dialogue starts


def _answer(turn: dict[str, Any], file: Path, line: int, where: str) -> Answer | None:
    if turn.get("answer") is None:
        return None
    value = turn["answer"]
    kind = turn.get("answer_type") or (
        "yesno"
        if isinstance(value, bool)
        else "number"
        if isinstance(value, (int, float))
        else "set"
        if isinstance(value, list)
        else "exact"
    )
    if kind not in ("exact", "number", "set", "yesno", "choice", "time"):
        raise DatasetError(file, line, f"{where}.answer_type", f"unknown answer type {kind!r}")
    if kind == "number":
        value = number(turn, "answer", file, line, f"{where}.")
    elif kind == "set" and not (
        isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value)
    ):
        raise DatasetError(file, line, f"{where}.answer", "a set answer must be a list of strings or numbers")
    elif kind == "yesno" and not isinstance(value, (bool, str)):
        raise DatasetError(file, line, f"{where}.answer", 'a yes/no answer must be true, false, "yes" or "no"')
    elif kind in ("choice", "time") and not isinstance(value, str):
        raise DatasetError(
            file, line, f"{where}.answer", f"a {kind} answer must be a string, got {type(value).__name__}"
        )
    elif kind == "exact" and (not isinstance(value, (str, int, float)) or isinstance(value, bool)):
        raise DatasetError(
            file, line, f"{where}.answer", f"an exact answer must be a string or number, got {type(value).__name__}"
        )
    choices = turn.get("choices") or []
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        raise DatasetError(file, line, f"{where}.choices", "must be a list of strings")
    return Answer(kind, value, tuple(choices), number(turn, "tolerance", file, line, f"{where}.", default=0.0))


def _instructions(raw: Any, file: Path, line: int, where: str) -> list[Instr]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise DatasetError(file, line, where, "must be a list of {id, kwargs} objects")
    out = []
    for k, item in enumerate(raw):
        iid, kwargs = (
            (item.get("id"), item.get("kwargs", {}))
            if isinstance(item, dict)
            else (item[0], item[1])
            if isinstance(item, list) and len(item) == 2
            else (None, None)
        )
        if not isinstance(iid, str) or not isinstance(kwargs, dict):
            raise DatasetError(file, line, f"{where}[{k}]", 'must be {"id": str, "kwargs": object}')
        try:
            validate(iid, kwargs)
        except ValueError as e:
            raise DatasetError(file, line, f"{where}[{k}]", str(e)) from None
        out.append([iid, kwargs])
    return out


def load_jsonl(path: Path, root: Path) -> list[DialogueSpec]:
    """One dialogue a line: ``{"id", "images": [paths], "turns": [{"question", "answer", "answer_type",
    "choices", "tolerance", "instructions": [{"id", "kwargs"}] (added at this turn), "images": [indices]}]}``."""
    specs = []
    for line, rec in read_jsonl(path):
        images = require(rec, "images", list, path, line)
        turns = require(rec, "turns", list, path, line)
        if not turns:
            raise DatasetError(path, line, "turns", "a dialogue needs at least one turn")
        for i, ref in enumerate(images):
            check_image(root, ref, path, line, f"images[{i}]")
        declared = any(isinstance(t, dict) and "images" in t for t in turns)
        out = []
        for t, turn in enumerate(turns):
            where = f"turns[{t}]"
            if not isinstance(turn, dict):
                raise DatasetError(path, line, where, "must be an object")
            question = require(turn, "question", str, path, line, f"{where}.")
            shown = turn.get("images", []) if declared else (list(range(len(images))) if t == 0 else [])
            if not isinstance(shown, list) or not all(isinstance(k, int) and 0 <= k < len(images) for k in shown):
                raise DatasetError(path, line, f"{where}.images", f"must be indices into images (0..{len(images) - 1})")
            out.append(
                TurnSpec(
                    question,
                    [images[k] for k in shown],
                    _answer(turn, path, line, where),
                    _instructions(turn.get("instructions"), path, line, f"{where}.instructions"),
                )
            )
        specs.append(DialogueSpec(str(rec.get("id", line)), out, f"{path}:{line}"))
    return specs


def load_mmdu(path: Path, root: Path) -> list[DialogueSpec]:
    """MMDU's benchmark JSON: items with ``image`` (paths) and ``conversations`` alternating user /
    assistant; each ``<ImageHere>`` in a user message takes the next image in order."""
    data = read_json(path)
    items = list(data.values()) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise DatasetError(path, None, None, "expected a list or an object of dialogues")
    specs = []
    for n, item in enumerate(items):
        where = f"[{n}]"
        if not isinstance(item, dict):
            raise DatasetError(path, None, where, "a dialogue must be an object")
        images = require(item, "image", list, path, None, f"{where}.")
        conv = require(item, "conversations", list, path, None, f"{where}.")
        nxt, turns = 0, []
        for k, msg in enumerate(conv):
            if not isinstance(msg, dict) or not isinstance(msg.get("value"), str):
                raise DatasetError(path, None, f"{where}.conversations[{k}]", 'must be {"from", "value": str}')
            if msg.get("from") in ("user", "human"):
                tags = msg["value"].count("<ImageHere>")
                if nxt + tags > len(images):
                    raise DatasetError(path, None, f"{where}.conversations[{k}]", "more <ImageHere> tags than images")
                for i in range(nxt, nxt + tags):
                    check_image(root, images[i], path, None, f"{where}.image[{i}]")
                turns.append(TurnSpec(msg["value"].replace("<ImageHere>", "").strip(), images[nxt : nxt + tags]))
                nxt += tags
            elif turns:
                turns[-1].reference = msg["value"]
        if turns:
            specs.append(DialogueSpec(str(item.get("id", n)), turns, f"{path}{where}"))
    return specs


MMMT_IF_PATTERNS = (
    (r"start every sentence with the letter \((\w)\)", lambda m: ["sentence:start_letter", {"letter": m[1].upper()}]),
    (
        r"end every sentence with an? (question|exclamation) mark",
        lambda m: ["sentence:end_mark", {"mark": "?" if m[1] == "question" else "!"}],
    ),
    (
        r"each sentence in the response is (at most|at least) (\d+) words",
        lambda m: ["sentence:words_per_sentence", {"num_words": int(m[2]), "relation": m[1]}],
    ),
    (
        r"responses (no more than|at most|at least) (\d+) sentences",
        lambda m: [
            "sentence:count",
            {"num_sentences": int(m[2]), "relation": "at least" if m[1] == "at least" else "at most"},
        ],
    ),
    (r"use the word '([^']+)' at least once", lambda m: ["keywords:include_phrase", {"phrase": m[1]}]),
    (
        r"include at least one (odd|even) number (?:in the range )?bigger than (\d+)",
        lambda m: ["detectable_content:number_parity", {"parity": m[1], "greater_than": int(m[2])}],
    ),
)


def parse_mmmt_if_instruction(text: str) -> list | None:
    """The verifiable form of one MMMT-IF instruction text, or None if it is none of the six categories."""
    flat = " ".join(text.split()).lower()
    for pattern, build in MMMT_IF_PATTERNS:
        if m := re.search(pattern, flat):
            return build(m)
    return None


def load_mmmt_if_csv(path: Path, root: Path) -> list[DialogueSpec]:
    """The MMMT-IF release CSV: one row a turn; the cumulative ``all instructions`` column is parsed
    into verifiable instructions; ``image 1`` .. ``image 5`` hold image paths inside the dataset
    folder (empty in the public copy: fill them from your MMDU download)."""
    dialogues: dict[str, DialogueSpec] = {}
    seen: dict[str, list] = {}
    with io.StringIO(read_text(path), newline="") as handle:
        reader = csv.DictReader(handle)
        for needed in ("conversation id", "prompt", "all instructions"):
            if needed not in (reader.fieldnames or []):
                raise DatasetError(path, 1, needed, "missing column")
        line = reader.line_num + 1
        for row in reader:
            cid = row["conversation id"]
            parsed = []
            for text in filter(str.strip, re.split(r"Instruction:", row["all instructions"] or "")):
                if (instr := parse_mmmt_if_instruction(text)) is None:
                    raise DatasetError(
                        path, line, "all instructions", f"unrecognised instruction {' '.join(text.split())!r}"
                    )
                parsed.append(instr)
            before = seen.get(cid, [])
            spec = dialogues.setdefault(cid, DialogueSpec(cid, [], f"{path}:{line}"))
            images = []
            if not spec.turns:
                for k in range(1, 6):
                    ref = (row.get(f"image {k}") or "").strip()
                    if ref:
                        check_image(root, ref, path, line, f"image {k}")
                        images.append(ref)
                    elif re.search(rf"Image\s?{k}\b", row["prompt"]):
                        raise DatasetError(
                            path,
                            line,
                            f"image {k}",
                            "empty, but the dialogue refers to it: put the MMDU image's path (inside "
                            "the dataset folder) in this column",
                        )
            spec.turns.append(TurnSpec(" ".join(row["prompt"].split()), images, None, parsed[len(before) :]))
            seen[cid] = parsed
            line = reader.line_num + 1
    return list(dialogues.values())


LOADERS = {"jsonl": load_jsonl, "mmdu": load_mmdu, "mmmt-if-csv": load_mmmt_if_csv}
