"""The optional habitat-sim backend (habitat-sim installs with conda, not pip): VLN-CE episode files
over Matterport3D / HM3D scenes from local paths, VLN-CE's actions (0.25 m, 15 degrees, sliding),
geodesic distances from the navmesh. Registered only where ``habitat_sim`` can be imported; its
episode loader and metrics are tested without it."""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

from mmturn.embodied.nav import metrics as m
from mmturn.embodied.nav.env import HELP, nav_tool_action, nav_tools, parse_nav_action
from mmturn.embodied.nav.episodes import load_vlnce, scene_path
from mmturn.tasks.env import MultiTurnEnv
from mmturn.tasks.registry import register_env
from mmturn.tasks.tools import ToolCall
from mmturn.tasks.types import Action, Hints, Part, TurnResult
from mmturn.tasks.worker import isolated

AVAILABLE = importlib.util.find_spec("habitat_sim") is not None


class HabitatSim:
    """Served in the worker process: one habitat-sim simulator, reconfigured when the scene changes."""

    def __init__(
        self,
        path: str,
        scenes_dir: str,
        gt_path: str | None = None,
        width: int = 224,
        height: int = 224,
        hfov: float = 90.0,
    ) -> None:
        self.episodes = load_vlnce(path, gt_path, scenes_dir)
        self.scenes_dir, self.width, self.height, self.hfov = scenes_dir, width, height, hfov
        self.sim, self.scene = None, None

    def _configure(self, scene: str) -> None:
        import habitat_sim

        backend = habitat_sim.SimulatorConfiguration()
        backend.scene_id = scene
        backend.allow_sliding = True
        rgb = habitat_sim.CameraSensorSpec()
        rgb.uuid, rgb.sensor_type, rgb.resolution, rgb.hfov = (
            "rgb",
            habitat_sim.SensorType.COLOR,
            [self.height, self.width],
            self.hfov,
        )
        rgb.position = [0.0, 1.25, 0.0]
        agent = habitat_sim.agent.AgentConfiguration()
        agent.sensor_specifications = [rgb]
        spec, act = habitat_sim.agent.ActionSpec, habitat_sim.agent.ActuationSpec
        agent.action_space = {
            "MOVE_FORWARD": spec("move_forward", act(amount=0.25)),
            "TURN_LEFT": spec("turn_left", act(amount=15.0)),
            "TURN_RIGHT": spec("turn_right", act(amount=15.0)),
        }
        if self.sim is not None:
            self.sim.close()
        self.sim, self.scene = habitat_sim.Simulator(habitat_sim.Configuration(backend, [agent])), scene

    def count(self) -> int:
        return len(self.episodes)

    def _geodesic(self, position) -> float:
        import habitat_sim

        query = habitat_sim.ShortestPath()
        query.requested_start, query.requested_end = np.asarray(position, np.float32), np.asarray(self.goal, np.float32)
        return float(query.geodesic_distance) if self.sim.pathfinder.find_path(query) else float("inf")

    def episode(self, index: int) -> dict[str, Any]:
        import habitat_sim
        from habitat_sim.utils.common import quat_from_coeffs

        ep = self.episodes[index % len(self.episodes)]
        scene = str(scene_path(self.scenes_dir, ep.scene_id))
        if scene != self.scene:
            self._configure(scene)
        state = habitat_sim.AgentState()
        state.position, state.rotation = np.asarray(ep.start_position, np.float32), quat_from_coeffs(ep.start_rotation)
        self.sim.get_agent(0).set_state(state)
        self.goal = ep.goal_position
        obs = self.sim.get_sensor_observations()["rgb"][..., :3]
        return {
            "id": ep.episode_id,
            "instruction": ep.instruction,
            "start": ep.start_position,
            "reference": ep.dense_reference,
            "distance": self._geodesic(ep.start_position),
            "obs": np.ascontiguousarray(obs),
        }

    def step(self, action: str) -> dict[str, Any]:
        obs = self.sim.step(action)["rgb"][..., :3]
        position = [float(v) for v in self.sim.get_agent(0).get_state().position]
        return {
            "obs": np.ascontiguousarray(obs),
            "pos": position,
            "collided": bool(self.sim.previous_step_collided),
            "distance": self._geodesic(position),
        }


RANDOM_HINTS = Hints(
    candidates=("MOVE_FORWARD", "TURN_LEFT", "TURN_RIGHT", "STOP"), reply_template="{}"
)  # no oracle here


class VlnHabitatEnv(MultiTurnEnv):
    """VLN-CE in habitat-sim: the episode file's instruction, RGB views, VLN-CE's measures on the last turn."""

    unbounded_scores = frozenset({"nav_error", "path_length", "collisions", "steps"})

    def __init__(
        self,
        path: str,
        scenes_dir: str,
        gt_path: str | None = None,
        width: int = 224,
        height: int = 224,
        max_steps: int = 500,
        timeout: float = 300.0,
    ) -> None:
        super().__init__()
        self.max_steps = int(max_steps)
        self.sim = isolated(
            "mmturn.embodied.nav.habitat.HabitatSim",
            timeout=timeout,
            path=path,
            scenes_dir=scenes_dir,
            gt_path=gt_path,
            width=int(width),
            height=int(height),
        )
        self.size = len(load_vlnce(path, gt_path, scenes_dir))

    def dataset_size(self) -> int:
        return self.size

    def close(self) -> None:
        self.sim.close()

    def _begin(self, options: dict[str, Any]) -> tuple[dict, Hints]:
        self.ep = self.sim.call("episode", self.record_index(options, self.size))
        self.positions, self.distances = [self.ep["start"]], [self.ep["distance"]]
        self.steps, self.collisions, self.stopped, self.image = 0, 0, False, self.ep["obs"]
        return self._observe(None), RANDOM_HINTS

    def _observe(self, note: str | None) -> dict:
        text = f"Instruction: {self.ep['instruction']}\n" + (f"({note}) " if note else "") + HELP
        return {"parts": (Part.of_image(self.image), Part.of_text(text))}

    def parse_action(self, text: str) -> Action:
        return parse_nav_action(text)

    def tools(self) -> list[dict[str, Any]]:
        return nav_tools()

    def parse_tool_call(self, call: ToolCall) -> Action:
        return nav_tool_action(call)

    def _advance(self, action: Action) -> tuple[TurnResult, dict, bool, bool, Hints]:
        note = "that was not an action; nothing happened" if action.kind == "invalid" else None
        if action.kind == "STOP":
            self.stopped = True
        elif action.kind != "invalid":
            r = self.sim.call("step", action.kind)
            self.image, self.collisions = r["obs"], self.collisions + r["collided"]
            self.positions.append(r["pos"])
            self.distances.append(r["distance"])
        self.steps += 1
        done = self.stopped or self.steps >= self.max_steps
        target = {"episode_id": self.ep["id"], "instruction": self.ep["instruction"]}
        if done:
            scores = m.vlnce_measures(
                self.positions, self.distances, self.stopped, self.ep["reference"], self.steps, self.collisions
            )
            return (
                TurnResult({**scores, "reward": scores["success"]}, target),
                self.empty_observation(),
                self.stopped,
                not self.stopped,
                Hints(),
            )
        return TurnResult({"reward": 0.0}, target, error=action.error), self._observe(note), False, False, RANDOM_HINTS


if (
    AVAILABLE
):  # only where habitat-sim is installed (conda): registering it elsewhere would offer an env that cannot run
    register_env("VlnHabitat-v0")(VlnHabitatEnv)
