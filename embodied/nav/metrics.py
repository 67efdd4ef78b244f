"""Navigation metrics as habitat-lab and VLN-CE define them, as pure functions of position arrays.

Positions are (n, 3) arrays in metres; ``distances`` to the goal are geodesic (shortest path on the
navigable space) as the backend measures them; path lengths are summed Euclidean step lengths.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

SUCCESS_DISTANCE = 3.0  # VLN-CE's success radius (habitat's PointNav default of 0.2 m does not apply)


def _points(path) -> np.ndarray:
    arr = np.asarray(path, dtype=float).reshape(-1, np.shape(path)[-1] if np.size(path) else 3)
    return arr


def path_length(path) -> float:
    """PathLength / TL (VLN-CE): the sum of Euclidean distances between consecutive positions."""
    p = _points(path)
    return float(np.linalg.norm(np.diff(p, axis=0), axis=1).sum()) if len(p) > 1 else 0.0


def success(stop_called: bool, distance_to_goal: float, success_distance: float = SUCCESS_DISTANCE) -> float:
    """Success (habitat-lab): 1 iff STOP was called and the geodesic distance to the goal is strictly below the
    radius."""
    return float(bool(stop_called) and distance_to_goal < success_distance)


def oracle_success(distances_to_goal, success_distance: float = SUCCESS_DISTANCE) -> float:
    """OracleSuccess (VLN-CE): 1 iff the agent was ever (start included) strictly within the radius; no STOP needed."""
    d = np.asarray(distances_to_goal, dtype=float)
    return float(d.size > 0 and bool((d < success_distance).any()))


def spl(success_value: float, shortest_distance: float, path) -> float:
    """SPL (Anderson et al. 2018; habitat-lab): success x d0 / max(d0, L), L the path's Euclidean length.
    Convention for a loaded episode that starts at the goal (d0 = 0, where habitat-lab divides 0 by 0): 0."""
    length = path_length(path)
    denominator = max(shortest_distance, length)
    return float(success_value * shortest_distance / denominator) if denominator > 0 else 0.0


def soft_spl(distance_to_goal: float, shortest_distance: float, path) -> float:
    """SoftSPL (habitat-lab): max(0, 1 - d_T / d0) x d0 / max(d0, L); no STOP needed."""
    if shortest_distance <= 0:
        return 0.0
    soft = max(0.0, 1.0 - distance_to_goal / shortest_distance)
    return float(soft * shortest_distance / max(shortest_distance, path_length(path)))


def dtw(path, reference, point_distance: Callable | None = None) -> float:
    """Exact dynamic time warping: accumulated point distance (Euclidean unless ``point_distance`` is
    given, e.g. r4r's graph geodesic), steps (i-1, j), (i, j-1), (i-1, j-1), no window."""
    q, r = _points(path), _points(reference)
    if len(q) == 0 or len(r) == 0:
        return float("inf")
    if point_distance is None:
        cost = np.linalg.norm(q[:, None, :] - r[None, :, :], axis=2)
    else:
        cost = np.array([[point_distance(a, b) for b in r] for a in q], dtype=float)
    acc = np.full((len(q) + 1, len(r) + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, len(q) + 1):
        for j in range(1, len(r) + 1):
            acc[i, j] = cost[i - 1, j - 1] + min(acc[i - 1, j], acc[i, j - 1], acc[i - 1, j - 1])
    return float(acc[-1, -1])


def ndtw(path, reference, success_distance: float = SUCCESS_DISTANCE, point_distance: Callable | None = None) -> float:
    """nDTW (Ilharco et al. 2019): exp(-DTW(path, reference) / (|reference| x success distance))."""
    r = _points(reference)
    if len(r) == 0:
        return 0.0
    return float(np.exp(-dtw(path, reference, point_distance) / (len(r) * success_distance)))


def sdtw(path, reference, success_value: float, success_distance: float = SUCCESS_DISTANCE) -> float:
    """SDTW (VLN-CE): success x nDTW, success being habitat's (STOP and geodesic distance < radius)."""
    return float(success_value * ndtw(path, reference, success_distance))


def dedupe_path(positions) -> np.ndarray:
    """The agent path nDTW uses (VLN-CE): positions appended only when they change, so turns and STOP add nothing."""
    p = _points(positions)
    if len(p) == 0:
        return p
    keep = [0] + [i for i in range(1, len(p)) if not np.array_equal(p[i], p[i - 1])]
    return p[keep]


def vlnce_measures(
    positions,
    distances,
    stopped: bool,
    reference,
    steps: int,
    collisions: int,
    success_distance: float = SUCCESS_DISTANCE,
) -> dict[str, float]:
    """Every VLN-CE measure of one finished episode, from the agent's positions (n, 3) after each step
    (start first), the geodesic distances to the goal at those positions, and the dense reference path."""
    path = _points(positions)
    d, d0 = float(distances[-1]), float(distances[0])
    ok = success(stopped, d, success_distance)
    followed = dedupe_path(path)
    return {
        "success": ok,
        "spl": spl(ok, d0, path),
        "soft_spl": soft_spl(d, d0, path),
        "oracle_success": oracle_success(distances, success_distance),
        "ndtw": ndtw(followed, reference, success_distance),
        "sdtw": sdtw(followed, reference, ok, success_distance),
        # an unreachable final position has no geodesic distance: flagged, and left out of nav_error's mean
        **({"nav_error": d} if np.isfinite(d) else {}),
        "nav_error_unreachable": float(not np.isfinite(d)),
        "path_length": path_length(path),
        "collisions": float(collisions),
        "steps": float(steps),
    }
