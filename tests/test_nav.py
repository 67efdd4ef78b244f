"""Navigation in MiniWorld houses: actions, instructions, the oracle's shortest paths (SR 1, SPL about 1),
baselines, simulator isolation in a worker process, and a tiny VLM end to end."""

import json
import subprocess
import sys

import numpy as np
import pytest

from mmturn.embodied.nav.env import parse_nav_action
from mmturn.embodied.nav.instructions import instruction, route_steps
from mmturn.embodied.nav.metrics import path_length
from mmturn.tasks.cli import main
from mmturn.tasks.worker import RemoteCallError, WorkerHung, WorkerProcess


@pytest.mark.parametrize(
    "reply,kind",
    [
        ("MOVE_FORWARD", "MOVE_FORWARD"),
        ("move forward please", "MOVE_FORWARD"),
        ("Turn_Left", "TURN_LEFT"),
        ("I will turn right.", "TURN_RIGHT"),
        ("stop", "STOP"),
        ("STOP. Then forward", "STOP"),
        ("left", "TURN_LEFT"),
    ],
)
def test_actions_parse(reply, kind):
    assert parse_nav_action(reply).kind == kind


def test_unparseable_action_is_invalid():
    a = parse_nav_action("I am not sure where to go")
    assert a.kind == "invalid" and a.error


def test_instructions_name_rooms_landmarks_and_the_goal():
    rooms = ["the brick room", "the marble room", "the wooden room"]
    objects = [{"name": "red box", "pos": [1.0, 0.5], "room": 0}, {"name": "barrel", "pos": [9.0, 0.0], "room": 2}]
    reference = [[0.0, 0.0], [1.0, 0.0], [5.0, 0.0], [9.0, 0.5]]
    steps = route_steps(reference, [0, 0, 1, 2], rooms, objects, objects[1], np.random.default_rng(0))
    text = instruction(steps)
    assert len(steps) == 4 and "brick room" in text and "marble room" in text and "wooden room" in text
    assert "red box" in steps[0] and text.rstrip(".").endswith("barrel") and text[0].isupper()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("nav")
    for model, limit in (("oracle", 5), ("random", 5), ("forward", 3)):
        assert (
            main(
                [
                    "run",
                    "--no-progress",
                    "--no-report",
                    "--tasks",
                    "vln-miniworld",
                    "--model",
                    model,
                    "--limit",
                    str(limit),
                    "--output-dir",
                    str(root / model),
                ]
            )
            == 0
        )
    return root


@pytest.mark.slow
def test_oracle_reaches_every_goal_on_the_shortest_path(runs):
    m = json.loads((runs / "oracle" / "results.json").read_text())["results"]["vln-miniworld"]
    assert (
        m["success"] == 1.0
        and m["spl"] >= 0.95
        and m["oracle_success"] == 1.0
        and m["ndtw"] > 0.8
        and m["collisions"] == 0.0
    )


@pytest.mark.slow
def test_random_and_forward_rarely_succeed(runs):
    for model in ("random", "forward"):
        m = json.loads((runs / model / "results.json").read_text())["results"]["vln-miniworld"]
        assert m["success"] <= 0.2 and m["spl"] <= 0.2


@pytest.mark.slow
def test_episode_records_paths_and_metrics(runs):
    turns = [
        json.loads(x)
        for x in (runs / "oracle" / "samples" / "vln-miniworld.jsonl").read_text().splitlines()
        if '"type": "turn"' in x
    ]
    last = [t for t in turns if t["terminated"] or t["truncated"]]
    assert len(last) == 5
    for t in last:
        assert (
            t["details"]["path"][0]
            and t["details"]["reference"]
            and t["scores"]["steps"] == len([u for u in turns if u["index"] == t["index"]])
        )
        assert "Instruction:" in t["observation"][-1]["text"]
        assert (
            path_length(t["details"]["reference"]) > 3.0
        )  # no generated episode starts within the goal radius (SPL's 0/0)


@pytest.mark.slow
def test_simulator_in_a_worker_survives_torchvision_in_this_process():
    import torchvision  # noqa: F401  (loads triton's LLVM; MiniWorld's Mesa lives in the worker)

    sim = WorkerProcess("mmturn.embodied.nav.house.HouseSim", width=64, height=48)
    try:
        ep = sim.call("episode", 5)
        assert ep["obs"].shape == (48, 64, 3) and 5.0 <= float(np.max(ep["field"][np.isfinite(ep["field"])]))
        step = sim.call("step", "MOVE_FORWARD")
        assert step["obs"].shape == (48, 64, 3)
        with pytest.raises(RemoteCallError, match="AttributeError"):
            sim.call("no_such_method")
        assert sim.call("step", "TURN_LEFT")["dir"] != step["dir"]  # the worker keeps serving after an error
    finally:
        sim.close()


@pytest.mark.slow
def test_a_hung_simulator_is_cut_off_and_restarted():
    sim = WorkerProcess("mmturn.embodied.nav.house.HouseSim", width=32, height=32, timeout=60)
    try:
        sim.call("episode", 1)
        with pytest.raises(WorkerHung):
            sim.call("episode", 2, timeout=0.001)  # an episode cannot be built in 1 ms: treated as a hang
        assert sim.process is None
        assert sim.call("episode", 2)["obs"].shape == (32, 32, 3)  # a fresh worker
    finally:
        sim.close()


@pytest.mark.slow
def test_tiny_vlm_runs_vln_end_to_end(tiny_qwen, tmp_path):
    out = tmp_path / "vln"
    code = main(
        [
            "run",
            "--no-progress",
            "--no-report",
            "--tasks",
            "vln-miniworld",
            "--model",
            "hf",
            "--limit",
            "1",
            "--task-args",
            "max_steps=25",
            "--model-args",
            f"pretrained={tiny_qwen},max_new_tokens=8",
            "--output-dir",
            str(out),
        ]
    )
    assert code == 0
    res = json.loads((out / "results.json").read_text())
    assert res["counts"]["vln-miniworld"] == {
        "asked": 1,
        "episodes": 1,
        "turns": res["counts"]["vln-miniworld"]["turns"],
        "errors": 0,
        "cached": 0,
    }
    assert 1 <= res["counts"]["vln-miniworld"]["turns"] <= 25 and res["results"]["vln-miniworld"]["success"] in (
        0.0,
        1.0,
    )


@pytest.mark.slow
def test_dialog_questions_get_the_next_sub_instruction_and_are_counted():
    import gymnasium as gym

    env = gym.make("mmturn/VlnMiniWorld-v0", mode="dialog", width=64, height=48).unwrapped
    try:
        obs, info = env.reset(seed=4)
        assert "ASK" in obs["parts"][-1].text and env.ep["goal_object"]["name"] in obs["parts"][-1].text
        obs, _, _, _, info = env.step("ASK: where do I go?")
        answer = obs["parts"][-1].text
        assert "the guide says:" in answer and any(step in answer for step in env.sub_instructions)
        assert info["action"]["kind"] == "ASK"
        obs, reward, term, _, info = env.step("STOP")
        assert term and info["scores"]["questions"] == 1.0 and info["scores"]["steps"] == 2.0
        assert parse_nav_action("ASK: which way?").kind == "invalid"  # outside dialogues ASK is not an action
        assert parse_nav_action("ASK: which way?", allow_questions=True).args == {"question": "which way?"}
    finally:
        env.close()


@pytest.mark.slow
def test_image_goal_shows_the_view_at_the_goal_first():
    import gymnasium as gym

    env = gym.make("mmturn/VlnMiniWorld-v0", mode="imagegoal", width=64, height=48).unwrapped
    try:
        obs, info = env.reset(seed=6)
        images = [p.image for p in obs["parts"] if p.kind == "image"]
        assert len(images) == 2 and not np.array_equal(images[0], images[1])
        obs, _, _, _, _ = env.step("TURN_LEFT")
        assert np.array_equal(
            [p.image for p in obs["parts"] if p.kind == "image"][0], images[0]
        )  # the goal image stays
    finally:
        env.close()


def _vlnce_file(tmp_path, episodes, gz=True):
    import gzip

    data = json.dumps({"episodes": episodes, "instruction_vocab": {}}).encode()
    path = tmp_path / ("val.json.gz" if gz else "val.json")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


R2R_EPISODE = {
    "episode_id": 7,
    "trajectory_id": 4,
    "scene_id": "data/scene_datasets/mp3d/7y3s/7y3s.glb",
    "start_position": [1.0, 0.1, 2.0],
    "start_rotation": [0, 0.38, 0, 0.92],
    "info": {"geodesic_distance": 9.9},
    "goals": [{"position": [5.0, 0.1, 2.0], "radius": 3.0}],
    "instruction": {"instruction_text": "Walk past the sofa and stop at the door.", "instruction_tokens": [1, 2]},
    "reference_path": [[1.0, 0.1, 2.0], [3.0, 0.1, 2.0], [5.0, 0.1, 2.0]],
}


def test_vlnce_episode_files_load_with_dense_references(tmp_path):
    import gzip

    from mmturn.embodied.nav.episodes import load_vlnce, scene_path

    path = _vlnce_file(tmp_path, [R2R_EPISODE])
    gt = tmp_path / "val_gt.json.gz"
    gt.write_bytes(
        gzip.compress(
            json.dumps(
                {"7": {"locations": [[1.0, 0.1, 2.0], [2.0, 0.1, 2.0], [5.0, 0.1, 2.0]], "forward_steps": 16}}
            ).encode()
        )
    )
    (ep,) = load_vlnce(path, gt)
    assert (
        ep.episode_id == "7"
        and ep.trajectory_id == "4"
        and ep.goal_radius == 3.0
        and ep.instruction.startswith("Walk past")
    )
    assert ep.dense_reference == [[1.0, 0.1, 2.0], [2.0, 0.1, 2.0], [5.0, 0.1, 2.0]] and len(ep.reference_path) == 3
    assert scene_path("/scenes", ep.scene_id).as_posix() == "/scenes/mp3d/7y3s/7y3s.glb"
    assert load_vlnce(_vlnce_file(tmp_path, [R2R_EPISODE], gz=False))[0].locations is None


@pytest.mark.parametrize(
    "change,field",
    [
        ({"start_position": [1, 2]}, "episodes[0].start_position"),
        ({"start_rotation": "up"}, "episodes[0].start_rotation"),
        ({"goals": []}, "episodes[0].goals"),
        ({"instruction": {"instruction_text": ""}}, "episodes[0].instruction.instruction_text"),
        ({"reference_path": [[1, 2, "x"]]}, "episodes[0].reference_path[0]"),
    ],
)
def test_malformed_vlnce_episodes_name_the_field(tmp_path, change, field):
    from mmturn.embodied.nav.episodes import load_vlnce
    from mmturn.tasks.datasets import DatasetError

    with pytest.raises(DatasetError) as err:
        load_vlnce(_vlnce_file(tmp_path, [{**R2R_EPISODE, **change}]))
    assert err.value.field == field


def test_vlnce_measures_combine_the_pure_metrics():
    from mmturn.embodied.nav.metrics import vlnce_measures

    positions = [[0, 0, 0], [0.25, 0, 0], [0.25, 0, 0], [0.5, 0, 0]]
    scores = vlnce_measures(positions, [2.5, 2.25, 2.25, 2.0], True, [[0, 0, 0], [0.5, 0, 0]], steps=4, collisions=1)
    assert (
        scores["success"] == 1.0
        and scores["path_length"] == 0.5
        and scores["spl"] == 1.0
        and scores["collisions"] == 1.0
    )
    assert scores["ndtw"] == pytest.approx(np.exp(-0.25 / (2 * 3.0)))  # deduped path (0, .25, .5) against (0, .5)


def test_habitat_backend_is_offered_only_where_habitat_sim_is_installed():
    from mmturn.embodied.nav import habitat
    from mmturn.tasks.registry import ENVS, TASKS

    assert ("mmturn/VlnHabitat-v0" in ENVS) == habitat.AVAILABLE and ("vln-habitat" in TASKS) == habitat.AVAILABLE


def test_landmarks_split_the_instruction():
    from mmturn.embodied.nav.clip_agent import landmarks

    text = "Walk out of the brick room past the barrel, go through the marble room, and stop next to the red key."
    assert landmarks(text) == [
        "Walk out of the brick room past the barrel",
        "go through the marble room",
        "stop next to the red key",
    ]


@pytest.mark.slow
def test_clip_nav_runs_from_a_local_open_clip_checkpoint(tiny_clip, tmp_path):
    out = tmp_path / "clip"
    args = f"model={tiny_clip['model']},pretrained={tiny_clip['pretrained']},model_config={tiny_clip['model_config']}"
    code = main(
        [
            "run",
            "--no-progress",
            "--no-report",
            "--tasks",
            "vln-miniworld",
            "--model",
            "clip-nav",
            "--limit",
            "2",
            "--task-args",
            "panorama=true,width=64,height=64",
            "--model-args",
            args,
            "--output-dir",
            str(out),
        ]
    )
    assert code == 0
    res = json.loads((out / "results.json").read_text())
    assert res["counts"]["vln-miniworld"]["episodes"] == 2 and res["counts"]["vln-miniworld"]["errors"] == 0
    turns = [
        json.loads(x)
        for x in (out / "samples" / "vln-miniworld.jsonl").read_text().splitlines()
        if '"type": "turn"' in x
    ]
    assert (
        sum(len([p for p in t["observation"] if "image" in p]) for t in turns[:1]) == 13
    )  # the view and a 12-view panorama
    assert {t["reply"] for t in turns} <= {"MOVE_FORWARD", "TURN_LEFT", "TURN_RIGHT", "STOP"} and turns[-1][
        "reply"
    ] == "STOP"


GRID_CHECK = """
import numpy as np
from mmturn.embodied.nav.house import House, CELL
h = House(width=32, height=32)
bad = 0
for seed in (0, 7):
    h.reset(seed=seed)
    g = h.nav_grid()
    radius = h.agent.radius + CELL
    for i in range(g["free"].shape[0]):
        for j in range(g["free"].shape[1]):
            pos = np.array([g["x0"] + j * CELL, 0.0, g["z0"] + i * CELL])
            inside = [k for k, room in enumerate(h.rooms) if room.point_inside(pos)]
            free = bool(inside) and not h.intersect(h.agent, pos, radius)
            room = (inside[0] if inside[0] < h.cols * h.rows else -1) if free else -1
            bad += (g["free"][i, j] != free) or (g["room"][i, j] != room)
print("mismatches", bad)
"""


@pytest.mark.slow
def test_vectorised_navigation_grid_equals_miniworlds_own_checks():
    """The grid is computed for all cells at once; it must equal MiniWorld's point_inside / intersect per cell
    (in a fresh process: MiniWorld's OpenGL stays out of the test process)."""
    done = subprocess.run([sys.executable, "-c", GRID_CHECK], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "mismatches 0" in done.stdout, done.stderr[-2000:]


@pytest.mark.slow
def test_miniworld_chatter_does_not_reach_the_terminal(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mmturn.tasks.cli",
            "run",
            "--no-progress",
            "--no-report",
            "--tasks",
            "vln-miniworld",
            "--model",
            "forward",
            "--limit",
            "1",
            "--output-dir",
            str(tmp_path / "r"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Falling back" not in done.stdout + done.stderr and done.stderr.strip() == ""
