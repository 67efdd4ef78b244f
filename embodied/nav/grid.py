"""The navigation grid's geometry, shared by the simulator worker and the env: geodesic distance
fields over free cells, and shortest paths down them. Pure numpy and networkx (no simulator)."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

CELL = 0.25  # navigation grid resolution, metres (VLN-CE's forward step)


def geodesic_field(free: np.ndarray, goal: tuple[int, int]) -> np.ndarray:
    """Shortest-path distance (metres, 8-connected grid) from every free cell to ``goal``; inf where unreachable."""
    graph = nx.Graph()
    rows, cols = free.shape
    for i, j in zip(*np.nonzero(free)):
        for di, dj in ((0, 1), (1, 0), (1, 1), (1, -1)):
            a, b = i + di, j + dj
            if (
                0 <= a < rows
                and 0 <= b < cols
                and free[a, b]
                and (di == 0 or dj == 0 or (free[i + di, j] and free[i, j + dj]))
            ):
                graph.add_edge((i, j), (a, b), weight=CELL * math.hypot(di, dj))
    field = np.full(free.shape, np.inf)
    if goal in graph:
        for (i, j), d in nx.single_source_dijkstra_path_length(graph, goal).items():
            field[i, j] = d
    return field


NEIGHBOURS = [(di, dj) for di in (-1, 0, 1) for dj in (-1, 0, 1) if di or dj]


def descend(field: np.ndarray, cell: tuple[int, int], limit: int | None = None) -> list[tuple[int, int]]:
    """The shortest path from ``cell`` to the field's zero (at most ``limit`` moves), by steepest descent over the 8
    neighbours."""
    path = [cell]
    while field[path[-1]] > 0 and (limit is None or len(path) <= limit):
        i, j = path[-1]
        nxt = min(
            (
                (i + di, j + dj)
                for di, dj in NEIGHBOURS
                if 0 <= i + di < field.shape[0] and 0 <= j + dj < field.shape[1]
            ),
            key=lambda c: field[c],
        )
        if field[nxt] >= field[path[-1]]:
            break
        path.append(nxt)
    return path
