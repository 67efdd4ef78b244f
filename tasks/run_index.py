"""An index of a run's episodes for the viewer: per task, each finished episode's key, seed, turn count,
failed turns, errors, mean scores and the family's own keys (string fields of its targets such as app,
template or edit op, and instruction ids), with the byte offsets of its turn lines, so that an episode page
reads only its own lines. Built once by one pass over the samples, then kept next to the run
(``index.json``) and rebuilt when a sample file changes."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from statistics import fmean
from typing import Any

from mmturn.tasks.logs import write_atomic

INDEX_FILE = "index.json"
INDEX_VERSION = 1
TEXT_KEYS = ("question", "goal", "instruction", "utterance", "reference", "image")  # prose and hashes: no facets


def _facets(target: dict[str, Any]) -> dict[str, str]:
    out = {k: v for k, v in target.items() if isinstance(v, str) and 0 < len(v) <= 40 and k not in TEXT_KEYS}
    instructions = target.get("instructions")
    if isinstance(instructions, list):
        ids = sorted({str(i[0]) for i in instructions if isinstance(i, list) and i})
        if ids:
            out["instruction"] = " ".join(ids)
    return out


def _failed(record: dict[str, Any]) -> bool:
    """A turn that failed: an error (unparseable reply, model failure) or a zero reward."""
    return bool(record.get("error") or record.get("model_error")) or record.get("reward", 1.0) <= 0.0


def _scan(path: Path) -> list[dict[str, Any]]:
    turns: dict[tuple[int, int, str], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    done: dict[tuple[int, int], str] = {}
    errors: dict[tuple[int, int], str] = {}
    offset = 0
    with path.open("rb") as f:
        for line in f:
            start, offset = offset, offset + len(line)
            try:
                r = json.loads(line)
            except ValueError:
                continue  # a torn last line
            key = (r.get("index"), r.get("repeat"))
            if r.get("type") == "turn":
                turns[(*key, r.get("attempt"))].append((start, r))
            elif r.get("status") == "done":
                done[key] = r.get("attempt")
            elif r.get("status") == "error":
                errors[key] = str(r.get("error", ""))
    episodes = []
    for (index, repeat), attempt in sorted(done.items()):
        records = sorted(turns.get((index, repeat, attempt), []), key=lambda x: x[1].get("turn", 0))
        if not records:
            continue
        scores: dict[str, list[float]] = defaultdict(list)
        facets: dict[str, set[str]] = defaultdict(set)
        for _, r in records:
            for k, v in (r.get("scores") or {}).items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    scores[k].append(float(v))
            for k, v in _facets(r.get("target") or {}).items():
                facets[k].add(v)
        episodes.append(
            {
                "index": index,
                "repeat": repeat,
                "seed": records[0][1].get("seed"),
                "turns": len(records),
                "failed": sum(_failed(r) for _, r in records),
                "error": errors.get((index, repeat)),
                "scores": {k: fmean(v) for k, v in scores.items()},
                "facets": {k: sorted(v) for k, v in facets.items()},
                "offsets": [o for o, _ in records],
            }
        )
    return episodes


def run_index(root: Path) -> dict[str, Any]:
    """The run's index, read from ``index.json`` when its sample files are unchanged, else rebuilt."""
    root = Path(root)
    stamps = {p.stem: [p.stat().st_size, p.stat().st_mtime_ns] for p in sorted((root / "samples").glob("*.jsonl"))}
    path = root / INDEX_FILE
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("version") == INDEX_VERSION and stored.get("stamps") == stamps:
            return stored
    except (OSError, ValueError):
        pass
    index = {
        "version": INDEX_VERSION,
        "stamps": stamps,
        "tasks": {task: _scan(root / "samples" / f"{task}.jsonl") for task in stamps},
    }
    try:
        write_atomic(path, json.dumps(index))
    except OSError:
        pass  # a read-only run folder: the index lives in memory only
    return index


def episode_records(root: Path, task: str, offsets: list[int]) -> list[dict[str, Any]]:
    """An episode's turn records, read at their offsets."""
    out = []
    with (Path(root) / "samples" / f"{task}.jsonl").open("rb") as f:
        for offset in offsets:
            f.seek(offset)
            out.append(json.loads(f.readline()))
    return out
