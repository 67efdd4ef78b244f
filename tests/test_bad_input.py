"""Bad input ends in one line: wrong command lines (exit 2, no traceback, within seconds), broken dataset
files (file, line or item, and field), and metrics whose conventions must not bias means."""

import gzip
import json
import math

import numpy as np
import pytest
from PIL import Image

from mmturn.embodied.gui.matching import DUAL_POINT, aitw_match
from mmturn.embodied.nav.episodes import load_vlnce, scene_path
from mmturn.embodied.nav.metrics import spl, vlnce_measures
from mmturn.embodied.nav.tasks import nav_metrics
from mmturn.tasks.args import parse_kv, typed_args
from mmturn.tasks.cli import main
from mmturn.tasks.datasets import DatasetError
from mmturn.tasks.model import make_model
from mmturn.tasks.models.openai_chat import OpenAIChat
from mmturn.vision.dialogue.loaders import load_jsonl, load_mmdu, load_mmmt_if_csv
from mmturn.vision.dialogue.metrics import dialogue_metrics


def one_line_error(argv: list[str], capsys) -> str:
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and err.count("\n") == 1 and err.startswith("mmturn: error: "), err
    return err


def _cases(tmp):
    (tmp / "afile").write_text("x")
    (tmp / "nores").mkdir()
    (tmp / "garbage").mkdir()
    (tmp / "garbage" / "results.json").write_text("[1, 2]")
    bad = tmp / "badsamples"
    (bad / "samples").mkdir(parents=True)
    (bad / "results.json").write_text(
        json.dumps({"config": {"model": "oracle", "tasks": {"mmmt-if": {}}, "seed": 0, "task_args": {}}})
    )
    (bad / "samples" / "mmmt-if.jsonl").write_text('{"type": "turn", "index": 0}\n')
    run = ["run", "--no-progress", "--tasks", "mmmt-if", "--model", "oracle", "--output-dir", str(tmp / "out")]
    return [
        (run + ["--model-args", "bogus=1"], "model 'oracle' does not take bogus"),
        (
            ["run", "--tasks", "mmmt-if", "--model", "random", "--model-args", "bogus=1"],
            "model 'random' does not take bogus; it takes: seed",
        ),
        (run + ["--task-args", "bogus=1"], "task 'mmmt-if' does not take bogus"),
        (run + ["--task-args", "num_turns=many"], "num_turns='many' must be int"),
        (run + ["--model-args", 'x="unclosed'], "argument --model-args: No closing quotation"),
        (run + ["--limit", "0"], "argument --limit: must be at least 1"),
        (run + ["--repeats", "0"], "argument --repeats: must be at least 1"),
        (run + ["--history", "-1"], "argument --history: must be at least 0"),
        (run + ["--max-connections", "0"], "argument --max-connections: must be at least 1"),
        (run + ["--max-errors", "-1"], "argument --max-errors: must be at least 0"),
        (["--log-level", "LOUD", "list"], "argument --log-level: 'LOUD' is not one of"),
        (
            ["run", "--tasks", "mmmt-if", "--model", "oracle", "--output-dir", str(tmp / "afile")],
            "is a file, not a folder",
        ),
        (
            ["run", "--tasks", "mmmt-if", "--model", "oracle", "--output-dir", str(tmp / "afile" / "sub")],
            "is under a file",
        ),
        (
            ["run", "--tasks", "mmmt-if", "--model", "oracle", "--output-dir", "/proc/mmturn-cannot-write"],
            "cannot create /proc/mmturn-cannot-write",
        ),
        (["run", "--tasks", "mmmt-if", "--model", "oracle", "--resume"], "argument --resume: needs the --output-dir"),
        (["score", str(tmp / "nores")], "results.json not found"),
        (["score", str(tmp / "missing")], "no such run folder"),
        (["score", str(tmp / "garbage")], "not a valid results file"),
        (["report", str(tmp / "nores")], "no results.json"),
        (["score", str(bad)], "mmturn-if.jsonl, line 1: not an mmturn sample record".replace("mmturn-if", "mmmt-if")),
        (
            ["--plugins", "no_such_plugin_module_xyz", "list"],
            "plugin 'no_such_plugin_module_xyz' failed to import: ModuleNotFoundError",
        ),
        (["run", "--tasks", "mmmt-if", "--model", "forward"], "forward plays navigation tasks only"),
        (["run", "--tasks", "gui-tasks", "--model", "identity"], "identity plays editing tasks only"),
        (["run", "--tasks", "vln-habitat", "--model", "random"], "needs habitat-sim: conda install habitat-sim"),
        (["run", "--tasks", "nope", "--model", "oracle"], "unknown task 'nope'"),
        (["run", "--tasks", "mmmt-if", "--model", "gpt9"], "unknown model 'gpt9'"),
        (["run", "--tasks", "dialogue-jsonl", "--model", "oracle"], "needs --task-args path=..."),
    ]


CASES = 27


@pytest.mark.parametrize("k", range(CASES))
def test_bad_command_lines_end_in_one_line_and_exit_2(tmp_path, monkeypatch, capsys, k):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MMTURN_PLUGINS", "")  # restored after the test: --plugins sets it for this process
    cases = _cases(tmp_path)
    assert len(cases) == CASES
    argv, expected = cases[k]
    assert expected in one_line_error(argv, capsys)


def test_model_args_keep_commas_inside_quotes_and_their_declared_types():
    args = parse_kv('model=0123,system_prompt="Be brief, be right.",temperature=0.5,top_p=none,max_tokens=64')
    assert args["system_prompt"] == "Be brief, be right." and args["model"] == "0123"
    typed = typed_args(OpenAIChat, args, "model 'openai'")
    assert typed == {
        "model": "0123",
        "system_prompt": "Be brief, be right.",
        "temperature": 0.5,
        "top_p": None,
        "max_tokens": 64,
    }
    chat = make_model("openai", {**args, "cache": "none"})
    assert chat.model == "0123" and chat.max_tokens == 64 and isinstance(chat.temperature, float)


# ---------------------------------------------------------------- datasets


def write_image(path, size=(40, 30)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((size[1], size[0], 3), 120, np.uint8)).save(path)


GOOD = '{"images": ["ok.png"], "turns": [{"question": "fine?", "answer": true}]}\n'


@pytest.mark.parametrize(
    "raw,line,field,message",
    [
        (b'{"images": [], "turns": [{"question": "\xff\xfe"}]}\n', 2, None, "not UTF-8"),
        (
            b'{"images": [], "turns": [{"question": "q", "answer": ' + b"9" * 5000 + b"}]}\n",
            2,
            None,
            "integer string conversion",
        ),
        (b'{"images": [], "turns": [{"question": "q", "answer": NaN}]}\n', 2, "turns[0].answer", "NaN"),
        (
            b'{"images": [], "turns": [{"question": "q", "answer": [1, Infinity]}]}\n',
            2,
            "turns[0].answer[1]",
            "NaN and Infinity",
        ),
        (
            b'{"images": [], "turns": [{"question": "q", "answer": 3, "tolerance": "abc"}]}\n',
            2,
            "turns[0].tolerance",
            "must be int or float",
        ),
        (
            b'{"images": [], "turns": [{"question": "q", "answer": 3, "tolerance": true}]}\n',
            2,
            "turns[0].tolerance",
            "got bool",
        ),
        (b'{"images": ["trunc.png"], "turns": [{"question": "q"}]}\n', 2, "images[0]", "image file is truncated"),
    ],
)
def test_dialogue_jsonl_errors_name_file_line_and_field(tmp_path, raw, line, field, message):
    write_image(tmp_path / "ok.png")
    write_image(tmp_path / "full.png", (200, 200))
    png = (tmp_path / "full.png").read_bytes()
    (tmp_path / "trunc.png").write_bytes(png[: len(png) // 2])
    path = tmp_path / "d.jsonl"
    path.write_bytes(GOOD.encode() + raw)
    with pytest.raises(DatasetError) as err:
        load_jsonl(path, tmp_path)
    assert (err.value.file, err.value.line, err.value.field) == (str(path), line, field) and message in str(err.value)


def test_a_utf8_bom_is_accepted(tmp_path):
    write_image(tmp_path / "ok.png")
    (tmp_path / "d.jsonl").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert len(load_jsonl(tmp_path / "d.jsonl", tmp_path)) == 1
    csv = "conversation id,prompt,all instructions\nc1,Describe it.,Instruction: Use the word 'blue' at least once.\n"
    (tmp_path / "m.csv").write_bytes(b"\xef\xbb\xbf" + csv.encode())  # Excel's "CSV UTF-8"
    (spec,) = load_mmmt_if_csv(tmp_path / "m.csv", tmp_path)
    assert spec.id == "c1" and spec.turns[0].new_instructions == [["keywords:include_phrase", {"phrase": "blue"}]]


def test_a_truncated_image_among_twenty_dialogues_fails_the_run_before_it_starts(tmp_path, capsys):
    for k in range(20):
        write_image(tmp_path / f"i{k}.png", (120, 90))
    png = (tmp_path / "i13.png").read_bytes()
    (tmp_path / "i13.png").write_bytes(png[: len(png) - 40])
    (tmp_path / "d.jsonl").write_text(
        "".join(
            json.dumps({"images": [f"i{k}.png"], "turns": [{"question": "q", "answer": 1}]}) + "\n" for k in range(20)
        )
    )
    err = one_line_error(
        [
            "run",
            "--no-progress",
            "--tasks",
            "dialogue-jsonl",
            "--model",
            "oracle",
            "--task-args",
            f"path={tmp_path / 'd.jsonl'}",
            "--output-dir",
            str(tmp_path / "out"),
        ],
        capsys,
    )
    assert "d.jsonl, line 14, field 'images[0]'" in err and "i13.png" in err


def test_mmdu_items_name_their_index(tmp_path):
    write_image(tmp_path / "a.png")
    item = {
        "image": ["a.png"],
        "conversations": [{"from": "user", "value": "<ImageHere>Hi"}, {"from": "assistant", "value": "Hello"}],
    }
    (tmp_path / "m.json").write_text(json.dumps([item, {"conversations": []}]))
    with pytest.raises(DatasetError) as err:
        load_mmdu(tmp_path / "m.json", tmp_path)
    assert err.value.field == "[1].image" and err.value.line is None


def test_editing_claim_counts_must_be_numbers(tmp_path):
    from mmturn.tasks.registry import ENVS

    write_image(tmp_path / "a.png")
    (tmp_path / "e.jsonl").write_text(
        json.dumps(
            {
                "image": "a.png",
                "turns": [{"instruction": "x", "claims": [{"kind": "count", "label": "red circle", "value": "three"}]}],
            }
        )
        + "\n"
    )
    with pytest.raises(DatasetError) as err:
        _ = ENVS.get("mmturn/EditingDataset-v0")(path=str(tmp_path / "e.jsonl")).records
    assert err.value.line == 1 and err.value.field == "turns[0].claims[0]" and "non-negative integer" in str(err.value)


EPISODE = {
    "episode_id": 7,
    "trajectory_id": 4,
    "scene_id": "mp3d/s1/s1.glb",
    "start_position": [0, 0, 0],
    "start_rotation": [0, 0, 0, 1],
    "goals": [{"position": [3, 0, 4], "radius": 3.0}],
    "instruction": {"instruction_text": "Walk."},
    "reference_path": [[0, 0, 0], [3, 0, 4]],
}


def test_vlnce_scene_ids_stay_inside_the_scenes_folder_and_gzip_bombs_are_refused(tmp_path):
    (tmp_path / "scenes" / "mp3d" / "s1").mkdir(parents=True)
    for scene in ("../../etc/passwd", "/abs/scene.glb", "data/scene_datasets/../x.glb"):
        path = tmp_path / "e.json"
        path.write_text(json.dumps({"episodes": [{**EPISODE, "scene_id": scene}]}))
        with pytest.raises(DatasetError) as err:
            load_vlnce(path, scenes_dir=tmp_path / "scenes")
        assert err.value.field == "episodes[0].scene_id"
    assert (
        scene_path(tmp_path / "scenes", "data/scene_datasets/mp3d/s1/s1.glb")
        == (tmp_path / "scenes" / "mp3d/s1/s1.glb").resolve()
    )
    bomb = tmp_path / "bomb.json.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        f.write(b'{"episodes": [' + b" " * (64 << 20) + b"]}")
    assert bomb.stat().st_size < 400_000
    with pytest.raises(DatasetError, match="decompresses to more than"):
        load_vlnce(bomb, max_bytes=16 << 20)


@pytest.mark.parametrize(
    "gt,field",
    [
        ({"7": {"locations": [[0, 0, 0], [1, 2]]}}, "7.locations[1]"),
        ({"7": {"locations": [[0, 0, float("nan")]]}}, "7.locations[0][2]"),
        ({"7": [[0, 0, 0]]}, "7.locations"),
    ],
)
def test_vlnce_ground_truth_of_the_wrong_shape_names_the_episode(tmp_path, gt, field):
    (tmp_path / "e.json").write_text(json.dumps({"episodes": [EPISODE]}))
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    with pytest.raises(DatasetError) as err:
        load_vlnce(tmp_path / "e.json", tmp_path / "gt.json")
    assert err.value.field == field and str(tmp_path / "gt.json") in str(err.value)


# ---------------------------------------------------------------- metrics that decide


def test_loose_and_strict_instruction_levels_come_from_their_own_counts():
    turn = lambda strict, loose, n: {
        "index": 0,
        "repeat": 0,
        "turn": 0,
        "scores": {  # noqa: E731
            "pif": strict / n,
            "prompt_strict": float(strict == n),
            "prompt_loose": float(loose == n),
            "n_instructions": float(n),
            "n_followed_strict": float(strict),
            "n_followed_loose": float(loose),
        },
    }
    m = dialogue_metrics([[turn(1, 3, 4), turn(2, 2, 2)]])["metrics"]
    assert m["inst_strict"] == pytest.approx(3 / 6) and m["inst_loose"] == pytest.approx(5 / 6)
    assert m["prompt_strict"] == 0.5 and m["prompt_loose"] == 0.5


def tap(y, x):
    return {"type": DUAL_POINT, "touch": (y, x), "lift": (y, x)}


def test_aitw_taps_match_through_the_enlarged_box_only_inside_it():
    box = (0.5, 0.5, 0.1, 0.1)  # (y, x, h, w): enlarged 2.4x about its centre to (0.43..0.67)
    assert math.dist((0.44, 0.44), (0.66, 0.66)) > 0.14  # too far apart for the distance rule
    assert aitw_match(tap(0.44, 0.44), tap(0.66, 0.66), [box])  # both outside the box, inside its enlargement
    assert not aitw_match(tap(0.44, 0.44), tap(0.68, 0.66), [box])  # 0.01 past the enlarged edge
    assert not aitw_match(tap(0.44, 0.44), tap(0.66, 0.66), [])
    corner = (0.02, 0.02, 0.1, 0.1)  # top-left clamped at 0, size kept: covers 0..0.24
    assert aitw_match(tap(0.0, 0.0), tap(0.235, 0.235), [corner]) and not aitw_match(
        tap(0.0, 0.0), tap(0.245, 0.235), [corner]
    )


def test_unreachable_nav_errors_are_counted_apart_and_spl_at_the_goal_is_zero():
    reachable = vlnce_measures([[0, 0, 0], [1, 0, 0]], [4.0, 2.5], True, [[0, 0, 0], [4, 0, 0]], 2, 0)
    lost = vlnce_measures([[0, 0, 0], [1, 0, 0]], [4.0, float("inf")], True, [[0, 0, 0], [4, 0, 0]], 2, 0)
    assert reachable["nav_error"] == 2.5 and reachable["nav_error_unreachable"] == 0.0
    assert "nav_error" not in lost and lost["nav_error_unreachable"] == 1.0
    m = nav_metrics([[{"scores": reachable}], [{"scores": lost}]])["metrics"]
    assert m["nav_error"] == 2.5 and m["nav_error_unreachable"] == 1.0 and m["success"] == 0.5
    assert spl(1.0, 0.0, [[0, 0, 0]]) == 0.0 and spl(1.0, 0.0, [[0, 0, 0], [1, 0, 0]]) == 0.0
