"""Navigation metrics against their published definitions on hand-computed cases."""

import math

import networkx as nx
import numpy as np
import pytest

from mmturn.embodied.nav.metrics import (
    dedupe_path,
    dtw,
    ndtw,
    oracle_success,
    path_length,
    sdtw,
    soft_spl,
    spl,
    success,
)


def line(*xs):
    return np.array([[x, 0.0, 0.0] for x in xs])


def test_straight_path_is_perfect():
    ref = line(0, 1, 2, 3, 4, 5)
    assert path_length(ref) == 5.0 and dtw(ref, ref) == 0.0 and ndtw(ref, ref) == 1.0
    assert spl(1.0, 5.0, ref) == 1.0 and sdtw(ref, ref, 1.0) == 1.0


def test_detour_lowers_spl_and_ndtw():
    detour = np.array([[0, 0, 0], [0, 0, 3], [5, 0, 3], [5, 0, 0]], float)
    assert path_length(detour) == 11.0
    assert spl(1.0, 5.0, detour) == pytest.approx(5 / 11)
    ref = line(0, 5)
    # DTW: (0,0)-(0,0)=0; (0,0,3)-(0,0,0)=3; (5,0,3)-(5,0,0)=3; (5,0,0)-(5,0,0)=0 -> 6
    assert dtw(detour, ref) == pytest.approx(6.0)
    assert ndtw(detour, ref) == pytest.approx(math.exp(-6.0 / (2 * 3.0)))


def test_success_is_strict_and_needs_stop():
    assert success(True, 2.99) == 1.0 and success(True, 3.0) == 0.0 and success(False, 0.0) == 0.0
    assert oracle_success([10.0, 2.0, 9.0]) == 1.0 and oracle_success([3.0, 4.0]) == 0.0
    assert oracle_success([1.0]) == 1.0  # the start counts


def test_stopping_at_the_start_and_empty_paths():
    start = line(0)
    assert path_length(start) == 0.0 and path_length(np.zeros((0, 3))) == 0.0
    assert spl(0.0, 5.0, start) == 0.0  # stopped at the start, 5 m from the goal: no success
    assert spl(1.0, 2.0, start) == 1.0  # the goal within 3 m of the start: d0 / max(d0, 0) = 1
    assert soft_spl(5.0, 5.0, start) == 0.0 and soft_spl(2.5, 5.0, line(0, 1)) == pytest.approx(0.5)
    assert ndtw(np.zeros((0, 3)), line(0, 1)) == 0.0 and ndtw(line(0), np.zeros((0, 3))) == 0.0


def test_dedupe_path_drops_turns_and_stop():
    p = line(0, 0, 0.25, 0.25, 0.5, 0.5)
    assert dedupe_path(p).tolist() == line(0, 0.25, 0.5).tolist()


def test_matches_the_r4r_reference_doctest_on_a_grid():
    """google-research r4r/dtw.py's doctest: on a 3x4 unit grid graph, prediction (0,0)..(3,0) against
    reference (0,0),(1,0),(2,1),(3,2) with graph distances gives DTW 3.0 and nDTW = exp(-0.25)."""
    graph = nx.grid_2d_graph(4, 3)
    geo = dict(nx.all_pairs_shortest_path_length(graph))
    node = lambda p: (int(p[0]), int(p[1]))  # noqa: E731
    graph_distance = lambda a, b: geo[node(a)][node(b)]  # noqa: E731
    pred, ref = [(0, 0), (1, 0), (2, 0), (3, 0)], [(0, 0), (1, 0), (2, 1), (3, 2)]
    assert dtw(pred, ref, graph_distance) == 3.0
    assert ndtw(pred, ref, 3.0, graph_distance) == pytest.approx(0.7788007830714049)
    # Euclidean point distances on the same points (VLN-CE's choice): (2,0)-(2,1) costs 1, (3,0)-(3,2) costs 2
    assert dtw(pred, ref) == pytest.approx(3.0)
