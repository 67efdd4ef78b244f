"""VLN-CE episode files (R2R-VLNCE / RxR-VLNCE, as habitat-lab and VLN-CE read them), validated with
file and field errors: ``{"episodes": [{episode_id, trajectory_id, scene_id, start_position [x, y, z],
start_rotation [x, y, z, w], goals [{position, radius}], reference_path, instruction {instruction_text}}]}``,
optionally gzipped, with the dense ground-truth paths of ``<split>_gt.json.gz`` (``{id: {"locations"}}``)."""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmturn.tasks.datasets import DatasetError


@dataclass
class NavEpisode:
    episode_id: str
    scene_id: str
    start_position: list[float]
    start_rotation: list[float]  # quaternion (x, y, z, w)
    goal_position: list[float]
    goal_radius: float | None
    reference_path: list[list[float]]
    instruction: str
    locations: list[list[float]] | None = None  # the dense ground-truth path (nDTW's reference), if given
    trajectory_id: str | None = None

    @property
    def dense_reference(self) -> list[list[float]]:
        return self.locations or self.reference_path


def _read(path: Path) -> Any:
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        return json.loads(raw)
    except OSError as e:
        raise DatasetError(path, None, None, f"cannot read: {e.strerror or e}") from None
    except (ValueError, EOFError) as e:
        raise DatasetError(path, None, None, f"not valid (gzipped) JSON: {e}") from None


def _vector(value: Any, size: int, path: Path, where: str) -> list[float]:
    if not isinstance(value, list) or len(value) != size or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise DatasetError(path, None, where, f"must be a list of {size} numbers")
    return [float(v) for v in value]


def load_vlnce(path: str | Path, gt_path: str | Path | None = None) -> list[NavEpisode]:
    path = Path(path)
    data = _read(path)
    if not isinstance(data, dict) or not isinstance(data.get("episodes"), list):
        raise DatasetError(path, None, "episodes", "expected an object with a list of episodes")
    gt = _read(Path(gt_path)) if gt_path else {}
    episodes = []
    for k, e in enumerate(data["episodes"]):
        where = f"episodes[{k}]"
        if not isinstance(e, dict):
            raise DatasetError(path, None, where, "an episode must be an object")
        for key in ("episode_id", "scene_id", "start_position", "start_rotation", "goals", "instruction"):
            if key not in e:
                raise DatasetError(path, None, f"{where}.{key}", "missing")
        goals = e["goals"]
        if not isinstance(goals, list) or not goals or not isinstance(goals[0], dict):
            raise DatasetError(path, None, f"{where}.goals", "must be a non-empty list of {position, radius}")
        instruction = e["instruction"].get("instruction_text") if isinstance(e["instruction"], dict) else e["instruction"]
        if not isinstance(instruction, str) or not instruction.strip():
            raise DatasetError(path, None, f"{where}.instruction.instruction_text", "must be non-empty text")
        reference = e.get("reference_path") or []
        if not isinstance(reference, list):
            raise DatasetError(path, None, f"{where}.reference_path", "must be a list of [x, y, z]")
        episode_id = str(e["episode_id"])  # VLN-CE casts R2R's integer ids to strings
        dense = gt.get(episode_id, {}).get("locations") if isinstance(gt, dict) else None
        radius = goals[0].get("radius")
        episodes.append(NavEpisode(
            episode_id=episode_id, scene_id=str(e["scene_id"]),
            start_position=_vector(e["start_position"], 3, path, f"{where}.start_position"),
            start_rotation=_vector(e["start_rotation"], 4, path, f"{where}.start_rotation"),
            goal_position=_vector(goals[0].get("position"), 3, path, f"{where}.goals[0].position"),
            goal_radius=float(radius) if isinstance(radius, (int, float)) else None,
            reference_path=[_vector(p, 3, path, f"{where}.reference_path[{j}]") for j, p in enumerate(reference)],
            instruction=instruction.strip(),
            locations=[_vector(p, 3, Path(gt_path), f"{episode_id}.locations[{j}]") for j, p in enumerate(dense)] if dense else None,
            trajectory_id=str(e["trajectory_id"]) if "trajectory_id" in e else None,
        ))
    return episodes


def scene_path(scenes_dir: str | Path, scene_id: str) -> Path:
    """Where a scene lives: VLN-CE strips a leading ``data/scene_datasets/`` and joins the rest to the scenes folder."""
    return Path(scenes_dir) / scene_id.removeprefix("data/scene_datasets/")
