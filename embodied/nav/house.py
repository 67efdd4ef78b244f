"""Procedural multi-room houses in MiniWorld, with a navigation grid. Runs inside the simulator's
worker process (MiniWorld loads Mesa's OpenGL; see worker.py); nothing here is imported by the
main process."""

from __future__ import annotations

import contextlib
import io
import math
import os
from typing import Any

import networkx as nx
import numpy as np
import pyglet

pyglet.options["headless"] = True
# one rasteriser thread per simulator: parallelism comes from running simulators side by side (one per
# episode worker), not from llvmpipe threads that would make every simulator contend for every core
os.environ.setdefault("LP_NUM_THREADS", "1")

from miniworld.entity import Ball, Box, Key, MeshEnt  # noqa: E402
from miniworld.miniworld import MiniWorldEnv  # noqa: E402
from miniworld.params import DEFAULT_PARAMS, DomainParams  # noqa: E402

from mmturn.embodied.nav.grid import CELL, descend, geodesic_field  # noqa: E402

ROOM, GAP, DOOR = 5.0, 1.5, 1.8
AGENT_RADIUS = 0.3  # MiniWorld's 0.4 m agent does not fit real doors; VLN-CE's is 0.1-0.18 m
WALLS = {
    "brick_wall": "brick",
    "wood": "wooden",
    "marble": "marble",
    "concrete": "concrete",
    "stucco": "yellow",
    "cinder_blocks": "cinder-block",
    "drywall": "white",
}  # MiniWorld texture names -> how instructions call the room
FLOORS = ("floor_tiles_bw", "wood_planks", "concrete_tiles", "asphalt", "grass")
COLOURS = ("red", "green", "blue", "yellow", "purple")
MESHES = (
    ("barrel", "barrel", 1.2),
    ("cone", "traffic cone", 0.6),
    ("office_desk", "office desk", 0.9),
    ("office_chair", "office chair", 1.0),
    ("medkit", "medkit", 0.4),
    ("duckie", "rubber duck", 0.5),
)


def vln_params() -> DomainParams:
    """VLN-CE's actions: 0.25 m forward, 15 degree turns; no drift, no randomisation."""
    params = DEFAULT_PARAMS.no_random()
    for name, value in (("forward_step", CELL), ("forward_drift", 0.0), ("turn_step", 15.0)):
        params.set(name, value, value, value)
    return params


class House(MiniWorldEnv):
    def __init__(self, cols: int = 3, rows: int = 2, width: int = 224, height: int = 224) -> None:
        self.cols, self.rows = cols, rows
        with contextlib.redirect_stdout(io.StringIO()):  # MiniWorld prints "Falling back to num_samples=4" on llvmpipe
            super().__init__(
                max_episode_steps=10**9, obs_width=width, obs_height=height, params=vln_params(), domain_rand=False
            )

    def _gen_world(self) -> None:
        rng = self.np_random
        walls = list(WALLS)
        rng.shuffle(walls)
        self.room_names, self.objects = [], []
        grid = {}
        for k in range(self.cols * self.rows):
            c, r = k % self.cols, k // self.cols
            x0, z0 = c * (ROOM + GAP), r * (ROOM + GAP)
            room = self.add_rect_room(
                min_x=x0,
                max_x=x0 + ROOM,
                min_z=z0,
                max_z=z0 + ROOM,
                wall_tex=walls[k % len(walls)],
                floor_tex=FLOORS[int(rng.integers(len(FLOORS)))],
            )
            grid[(c, r)] = room
            self.room_names.append(f"the {WALLS[walls[k % len(walls)]]} room")
        edges = [((c, r), (c + 1, r)) for c in range(self.cols - 1) for r in range(self.rows)]
        edges += [((c, r), (c, r + 1)) for c in range(self.cols) for r in range(self.rows - 1)]
        tree = nx.minimum_spanning_tree(nx.Graph([(a, b, {"weight": float(rng.random())}) for a, b in edges]))
        links = list(tree.edges) + ([edges[int(rng.integers(len(edges)))]] if rng.random() < 0.5 else [])
        for a, b in {tuple(sorted(e)) for e in links}:
            ra, rb = grid[a], grid[b]
            offset = float(rng.uniform(1.2, ROOM - 1.2))
            if a[1] == b[1]:
                z = ra.min_z + offset
                self.connect_rooms(ra, rb, min_z=z - DOOR / 2, max_z=z + DOOR / 2, max_y=2.2)
            else:
                x = ra.min_x + offset
                self.connect_rooms(ra, rb, min_x=x - DOOR / 2, max_x=x + DOOR / 2, max_y=2.2)
        kinds = (
            [("box", c) for c in COLOURS]
            + [("ball", c) for c in COLOURS]
            + [("key", c) for c in COLOURS]
            + [("mesh", m) for m in MESHES]
        )
        order = rng.permutation(len(kinds))
        for k in range(self.cols * self.rows):
            for j in range(2):
                kind, what = kinds[order[(2 * k + j) % len(kinds)]]
                if kind == "mesh":
                    ent, name = MeshEnt(mesh_name=what[0], height=what[2], static=True), what[1]
                else:
                    ent = {
                        "box": lambda c: Box(color=c, size=0.7),
                        "ball": lambda c: Ball(color=c, size=0.6),
                        "key": lambda c: Key(color=c),
                    }[kind](what)
                    name = f"{what} {kind}"
                self.place_entity(ent, room=grid[(k % self.cols, k // self.cols)])
                self.objects.append({"name": name, "pos": [float(ent.pos[0]), float(ent.pos[2])], "room": k})
        self.agent.radius = AGENT_RADIUS
        self.place_agent(room=grid[(0, 0)])

    # ---------------------------------------------------------------- navigation grid
    def nav_grid(self) -> dict[str, Any]:
        """Free cells (the agent's disc, with one step of margin, clear of walls and objects) and each
        cell's room, on a CELL grid. The margin keeps moves near the grid's paths collision-free."""
        xs = np.arange(0, self.cols * (ROOM + GAP), CELL) + CELL / 2
        zs = np.arange(0, self.rows * (ROOM + GAP), CELL) + CELL / 2
        gz, gx = np.meshgrid(zs, xs, indexing="ij")
        points = np.stack([gx.ravel(), np.zeros(gx.size), gz.ravel()], axis=1)
        radius = self.agent.radius + CELL  # one step of margin: any single move from a cell centre is clear
        room_of = np.full(len(points), -1, int)
        for k in reversed(
            range(len(self.rooms))
        ):  # MiniWorld's Room.point_inside, for every cell at once; the first room wins
            room = self.rooms[k]
            inside = np.all(
                np.einsum("ek,nek->ne", room.edge_norms, points[:, None, :] - room.outline[None]) > 0, axis=1
            )
            room_of[inside] = k
        free = (room_of >= 0) & ~self._blocked(points, radius)
        room_of = np.where(free & (room_of < self.cols * self.rows), room_of, -1)  # hallways have no name
        return {
            "free": free.reshape(gx.shape),
            "room": room_of.reshape(gx.shape),
            "x0": float(xs[0]),
            "z0": float(zs[0]),
            "cell": CELL,
        }

    def _blocked(self, points: np.ndarray, radius: float) -> np.ndarray:
        """MiniWorld's ``intersect(agent, p, radius)`` for many points: a wall segment closer than ``radius``
        (intersect_circle_segs) or an entity other than the agent closer than ``radius`` + its radius."""
        a, b = self.wall_segs[:, 0, :], self.wall_segs[:, 1, :]
        ab = b - a
        t = np.clip(np.einsum("nsk,sk->ns", points[:, None, :] - a[None], ab) / np.sum(ab * ab, axis=1), 0, 1)
        walls = np.linalg.norm(a[None] + t[..., None] * ab[None] - points[:, None, :], axis=2) < radius
        blocked = walls.any(axis=1)
        for ent in self.entities:
            if ent is not self.agent:
                centre = np.array([ent.pos[0], 0.0, ent.pos[2]])
                blocked |= np.linalg.norm(points - centre, axis=1) < radius + ent.radius
        return blocked

    def top_view(self) -> np.ndarray:
        return self.render_top_view(render_agent=False)


class HouseSim:
    """What the worker process serves: episodes in seeded houses, and steps."""

    def __init__(
        self, width: int = 224, height: int = 224, min_distance: float = 5.0, max_distance: float = 20.0
    ) -> None:
        self.house = House(width=width, height=height)
        self.min_distance, self.max_distance = min_distance, max_distance

    def _cell_pos(self, grid: dict, cell: tuple[int, int]) -> list[float]:
        return [grid["x0"] + cell[1] * CELL, grid["z0"] + cell[0] * CELL]

    def episode(self, seed: int) -> dict[str, Any]:
        h = self.house
        h.reset(seed=int(seed))
        rng = np.random.default_rng(seed)
        grid = h.nav_grid()
        free = np.argwhere(grid["free"])
        rooms = h.cols * h.rows
        for _ in range(50):
            target = h.objects[int(rng.integers(len(h.objects)))]
            ox, oz = target["pos"]
            centres = np.stack([grid["x0"] + free[:, 1] * CELL, grid["z0"] + free[:, 0] * CELL], axis=1)
            goal_cell = tuple(int(v) for v in free[int(np.argmin(np.linalg.norm(centres - [ox, oz], axis=1)))])
            field = geodesic_field(grid["free"], goal_cell)
            ok = [
                tuple(int(v) for v in c)
                for c in free
                if self.min_distance <= field[tuple(c)] <= self.max_distance
                and grid["room"][tuple(c)] not in (-1, target["room"])
                and grid["room"][tuple(c)] < rooms
            ]
            if ok:
                break
        else:
            raise RuntimeError(f"house {seed}: no start 5-20 m from any object")
        start = ok[int(rng.integers(len(ok)))]
        x, z = self._cell_pos(grid, start)
        h.agent.pos = np.array([x, 0.0, z])
        h.agent.dir = float(rng.uniform(-math.pi, math.pi))
        path = descend(field, start)
        self._goal, self._target = self._cell_pos(grid, goal_cell), target
        return {
            "start": [x, z],
            "start_dir": float(h.agent.dir),
            "goal": self._cell_pos(grid, goal_cell),
            "goal_object": target,
            "objects": h.objects,
            "room_names": h.room_names,
            "grid": grid,
            "field": field,
            "reference": [self._cell_pos(grid, c) for c in path],
            "path_rooms": [int(grid["room"][c]) for c in path],
            "obs": h.render_obs(),
            "top": h.top_view(),
        }

    def depth(self) -> np.ndarray:
        """The current view's depth in metres, (height, width, 1) float32."""
        return np.asarray(self.house.render_depth(), np.float32)

    def panorama(self, views: int = 12) -> list[np.ndarray]:
        """``views`` views at equal angles (30 degrees for 12), turning left from the current heading."""
        h = self.house
        heading, images = h.agent.dir, []
        for k in range(views):
            h.agent.dir = heading + k * 2 * math.pi / views
            images.append(h.render_obs())
        h.agent.dir = heading
        return images

    def goal_view(self) -> np.ndarray:
        """What the agent would see standing at the goal facing the goal object (the image-goal variant)."""
        h = self.house
        pos, direction = h.agent.pos.copy(), h.agent.dir
        gx, gz = self._goal
        ox, oz = self._target["pos"]
        h.agent.pos = np.array([gx, 0.0, gz])
        h.agent.dir = math.atan2(-(oz - gz), ox - gx)
        image = h.render_obs()
        h.agent.pos, h.agent.dir = pos, direction
        return image

    def views(self, depth: bool, panorama: bool) -> dict[str, Any]:
        """The optional sensors of the current pose."""
        return {**({"depth": self.depth()} if depth else {}), **({"panorama": self.panorama()} if panorama else {})}

    def step(self, action: str) -> dict[str, Any]:
        h = self.house
        before = h.agent.pos.copy()
        if action == "MOVE_FORWARD":
            moved = h.move_agent(CELL, 0.0)
        else:
            moved = True
            h.turn_agent(15.0 if action == "TURN_LEFT" else -15.0)
        return {
            "obs": h.render_obs(),
            "pos": [float(h.agent.pos[0]), float(h.agent.pos[2])],
            "dir": float(h.agent.dir),
            "collided": action == "MOVE_FORWARD" and not moved,
            "moved": bool(not np.array_equal(before, h.agent.pos)),
        }
