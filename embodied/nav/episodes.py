"""VLN-CE episode files (R2R-VLNCE / RxR-VLNCE, as habitat-lab and VLN-CE read them), validated with
file and field errors: ``{"episodes": [{episode_id, trajectory_id, scene_id, start_position [x, y, z],
start_rotation [x, y, z, w], goals [{position, radius}], reference_path, instruction {instruction_text}}]}``,
optionally gzipped, with the dense ground-truth paths of ``<split>_gt.json.gz`` (``{id: {"locations"}}``)."""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmturn.tasks.datasets import DatasetError, loads_strict, resolve_inside


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


MAX_JSON_BYTES = 1 << 30  # an episode or ground-truth file that decompresses to more is refused (a gzip bomb)


def _read(path: Path, max_bytes: int) -> Any:
    """The JSON in ``path`` (gzipped if it ends in .gz), read in chunks and refused past ``max_bytes``."""
    try:
        with gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb") as f:
            raw = f.read(max_bytes + 1)
    except OSError as e:
        raise DatasetError(path, None, None, f"cannot read: {e.strerror or e}") from None
    except EOFError as e:
        raise DatasetError(path, None, None, f"not valid gzipped JSON: {e}") from None
    if len(raw) > max_bytes:
        raise DatasetError(path, None, None, f"decompresses to more than {max_bytes} bytes (the limit): refused")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DatasetError(path, None, None, f"not UTF-8 text: {e}") from None
    return loads_strict(text, path)


def _vector(value: Any, size: int, path: Path, where: str) -> list[float]:
    if (
        not isinstance(value, list)
        or len(value) != size
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
    ):
        raise DatasetError(path, None, where, f"must be a list of {size} finite numbers, got {str(value)[:80]}")
    return [float(v) for v in value]


def _dense(gt: dict[str, Any], episode_id: str, gt_path: Path) -> list[list[float]] | None:
    """An episode's dense ground-truth path (``{id: {"locations": [[x, y, z], ...]}}``), or None when absent."""
    entry = gt.get(episode_id)
    if entry is None:
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("locations"), list):
        raise DatasetError(
            gt_path, None, f"{episode_id}.locations", "must be an object with a list of [x, y, z] locations"
        )
    return [_vector(p, 3, gt_path, f"{episode_id}.locations[{j}]") for j, p in enumerate(entry["locations"])] or None


def load_vlnce(
    path: str | Path,
    gt_path: str | Path | None = None,
    scenes_dir: str | Path | None = None,
    max_bytes: int = MAX_JSON_BYTES,
) -> list[NavEpisode]:
    """Episodes of a VLN-CE file; with ``scenes_dir``, every ``scene_id`` must resolve inside it."""
    path = Path(path)
    data = _read(path, max_bytes)
    if not isinstance(data, dict) or not isinstance(data.get("episodes"), list):
        raise DatasetError(path, None, "episodes", "expected an object with a list of episodes")
    gt = _read(Path(gt_path), max_bytes) if gt_path else {}
    if not isinstance(gt, dict):
        raise DatasetError(
            Path(gt_path or path), None, None, "a ground-truth file must be an object {episode_id: {locations}}"
        )
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
        instruction = (
            e["instruction"].get("instruction_text") if isinstance(e["instruction"], dict) else e["instruction"]
        )
        if not isinstance(instruction, str) or not instruction.strip():
            raise DatasetError(path, None, f"{where}.instruction.instruction_text", "must be non-empty text")
        reference = e.get("reference_path") or []
        if not isinstance(reference, list):
            raise DatasetError(path, None, f"{where}.reference_path", "must be a list of [x, y, z]")
        episode_id = str(e["episode_id"])  # VLN-CE casts R2R's integer ids to strings
        if not isinstance(e["scene_id"], str) or not e["scene_id"]:
            raise DatasetError(path, None, f"{where}.scene_id", "must be a non-empty string")
        if scenes_dir is not None:
            scene_path(scenes_dir, e["scene_id"], path, f"{where}.scene_id")
        radius = goals[0].get("radius")
        episodes.append(
            NavEpisode(
                episode_id=episode_id,
                scene_id=str(e["scene_id"]),
                start_position=_vector(e["start_position"], 3, path, f"{where}.start_position"),
                start_rotation=_vector(e["start_rotation"], 4, path, f"{where}.start_rotation"),
                goal_position=_vector(goals[0].get("position"), 3, path, f"{where}.goals[0].position"),
                goal_radius=float(radius) if isinstance(radius, (int, float)) and math.isfinite(radius) else None,
                reference_path=[_vector(p, 3, path, f"{where}.reference_path[{j}]") for j, p in enumerate(reference)],
                instruction=instruction.strip(),
                locations=_dense(gt, episode_id, Path(gt_path)) if gt_path else None,
                trajectory_id=str(e["trajectory_id"]) if "trajectory_id" in e else None,
            )
        )
    return episodes


def scene_path(scenes_dir: str | Path, scene_id: str, file: str | Path = "", where: str = "scene_id") -> Path:
    """Where a scene lives: VLN-CE strips a leading ``data/scene_datasets/`` and joins the rest to the scenes
    folder. A scene outside that folder (``..``, an absolute path) is a DatasetError naming ``file`` and ``where``."""
    relative = scene_id.removeprefix("data/scene_datasets/")
    if Path(relative).is_absolute() or ".." in Path(relative).parts:
        raise DatasetError(file, None, where, f"{scene_id!r} is not inside the scenes folder {scenes_dir}")
    return resolve_inside(Path(scenes_dir), relative, Path(file), None, where)
