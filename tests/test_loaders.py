"""Users' dialogue data: JSONL, MMDU JSON and the MMMT-IF CSV; every malformed input is an error
naming file, line and field, and nothing outside the dataset folder is read."""

import json
import os

import gymnasium as gym
import numpy as np
import pytest
from PIL import Image

from mmturn.assets import ASSETS
from mmturn.tasks.cli import main
from mmturn.tasks.datasets import DatasetError, load_image
from mmturn.vision.dialogue.loaders import load_jsonl, load_mmdu, load_mmmt_if_csv, parse_mmmt_if_instruction


def write_image(path, size=(40, 30)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((size[1], size[0], 3), 120, np.uint8)).save(path)


def test_shipped_sample_runs_with_the_oracle(tmp_path):
    path = ASSETS / "samples" / "dialogue" / "dialogues.jsonl"
    out = tmp_path / "o"
    assert (
        main(
            [
                "run",
                "--no-progress",
                "--no-report",
                "--tasks",
                "dialogue-jsonl",
                "--model",
                "oracle",
                "--task-args",
                f"path={path}",
                "--output-dir",
                str(out),
            ]
        )
        == 0
    )
    res = json.loads((out / "results.json").read_text())
    assert res["results"]["dialogue-jsonl"]["accuracy"] == 1.0 and res["results"]["dialogue-jsonl"]["pif"] == 1.0
    assert res["counts"]["dialogue-jsonl"]["episodes"] == 2 and res["counts"]["dialogue-jsonl"]["turns"] == 6


@pytest.mark.parametrize(
    "line,field",
    [
        ("{not json", None),
        ('["a list"]', None),
        ('{"turns": []}', "images"),
        ('{"images": "x.png", "turns": []}', "images"),
        ('{"images": [], "turns": []}', "turns"),
        ('{"images": [], "turns": [{"answer": 1}]}', "turns[0].question"),
        ('{"images": [], "turns": [{"question": "q", "answer": "x", "answer_type": "number"}]}', "turns[0].answer"),
        (
            '{"images": [], "turns": [{"question": "q", "instructions": [{"id": "nope:x"}]}]}',
            "turns[0].instructions[0]",
        ),
        (
            '{"images": [], "turns": [{"question": "q", "instructions": [{"id": '
            '"punctuation:no_comma", "kwargs": {"x": 1}}]}]}',
            "turns[0].instructions[0]",
        ),
        ('{"images": ["missing.png"], "turns": [{"question": "q"}]}', "images[0]"),
        ('{"images": ["../outside.png"], "turns": [{"question": "q"}]}', "images[0]"),
        ('{"images": ["/etc/passwd"], "turns": [{"question": "q"}]}', "images[0]"),
        ('{"images": ["http://example.com/a.png"], "turns": [{"question": "q"}]}', "images[0]"),
        ('{"images": ["ok.png"], "turns": [{"question": "q", "images": [3]}]}', "turns[0].images"),
    ],
)
def test_malformed_jsonl_names_file_line_and_field(tmp_path, line, field):
    write_image(tmp_path / "data" / "ok.png")
    write_image(tmp_path / "outside.png")
    path = tmp_path / "data" / "d.jsonl"
    path.write_text('{"images": ["ok.png"], "turns": [{"question": "fine?", "answer": true}]}\n\n' + line + "\n")
    with pytest.raises(DatasetError) as err:
        load_jsonl(path, path.parent)
    assert err.value.file == str(path) and err.value.line == 3 and err.value.field == field
    assert str(path) in str(err.value) and "line 3" in str(err.value)


def test_symlink_escaping_the_root_is_refused(tmp_path):
    write_image(tmp_path / "secret.png")
    (tmp_path / "data").mkdir()
    os.symlink(tmp_path / "secret.png", tmp_path / "data" / "link.png")
    path = tmp_path / "data" / "d.jsonl"
    path.write_text('{"images": ["link.png"], "turns": [{"question": "q"}]}\n')
    with pytest.raises(DatasetError, match="outside the dataset folder"):
        load_jsonl(path, path.parent)


def test_corrupt_image_and_decompression_bomb(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(DatasetError, match="cannot decode"):
        load_image(tmp_path, "bad.png", tmp_path / "d.jsonl", 4, "images[0]")
    big = Image.new("1", (20000, 20000))  # 400 M pixels, a few KB on disk
    big.save(tmp_path / "bomb.png")
    with pytest.raises(DatasetError, match="bomb|over the limit"):
        load_image(tmp_path, "bomb.png", tmp_path / "d.jsonl", 4, "images[0]")


def test_jsonl_episode_interleaves_images_and_accumulates_instructions(tmp_path):
    write_image(tmp_path / "a.png")
    write_image(tmp_path / "b.png", (50, 20))
    path = tmp_path / "d.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": "x",
                "images": ["a.png", "b.png"],
                "turns": [
                    {
                        "question": "How many?",
                        "answer": 3,
                        "images": [0],
                        "instructions": [{"id": "punctuation:no_comma", "kwargs": {}}],
                    },
                    {
                        "question": "Colour?",
                        "answer": "red",
                        "choices": ["red", "blue"],
                        "images": [1],
                        "instructions": [["sentence:end_mark", {"mark": "!"}]],
                    },
                ],
            }
        )
        + "\n"
    )
    env = gym.make("mmturn/DialogueDataset-v0", path=str(path)).unwrapped
    obs, info = env.reset(seed=0, options={"index": 0})
    assert [p.kind for p in obs["parts"]] == ["image", "text"] and obs["parts"][0].image.shape == (30, 40, 3)
    obs, _, _, _, info = env.step(info["hints"].oracle_reply)
    assert info["scores"]["accuracy"] == 1.0 and info["scores"]["pif"] == 1.0
    assert obs["parts"][0].image.shape == (20, 50, 3)
    _, _, term, _, info = env.step("Red, I think.")
    assert term and info["target"]["instructions"] == [
        ["punctuation:no_comma", {}],
        ["sentence:end_mark", {"mark": "!"}],
    ]
    assert info["scores"]["pif"] == 0.0 and info["scores"]["accuracy"] == 1.0


def test_mmdu_json(tmp_path):
    for name in ("1.jpg", "2.jpg"):
        write_image(tmp_path / "imgs" / name)
    data = {
        "7": {
            "id": "7",
            "image": ["imgs/1.jpg", "imgs/2.jpg"],
            "conversations": [
                {"from": "user", "value": "<ImageHere><ImageHere>Compare the two images."},
                {"from": "assistant", "value": "Reference answer."},
                {"from": "user", "value": "And the first?"},
                {"from": "assistant", "value": "Another reference."},
            ],
        }
    }
    path = tmp_path / "benchmark.json"
    path.write_text(json.dumps(data))
    specs = load_mmdu(path, tmp_path)
    assert len(specs) == 1 and [len(t.images) for t in specs[0].turns] == [2, 0]
    assert specs[0].turns[0].text == "Compare the two images." and specs[0].turns[1].reference == "Another reference."
    data["7"]["conversations"][0]["value"] = "<ImageHere>" * 3
    path.write_text(json.dumps(data))
    with pytest.raises(DatasetError, match="more <ImageHere> tags than images"):
        load_mmdu(path, tmp_path)


CSV_HEADER = (
    "conversation id,turn count (which turn in this conversation),prompt,all instructions,instruction "
    "count,image 1,image 2\n"
)


def test_mmmt_if_csv_instructions_parse_and_accumulate(tmp_path):
    write_image(tmp_path / "i1.png")
    rows = (
        '0,1,"Instruction: Include at least one odd \nnumber bigger than 5 in each of your '
        '\nresponses. Describe Image1.",'
        '"Instruction: Include at least one odd \nnumber bigger than 5 in each of your \nresponses.",1,i1.png,\n'
        '0,2,"Instruction: End every sentence with a \nexclamation mark (!). What '
        'else?","Instruction: Include at least one odd '
        "number bigger than 5 in each of your responses. Instruction: End every sentence with a "
        'exclamation mark (!).",2,,\n'
    )
    path = tmp_path / "mmmt.csv"
    path.write_text(CSV_HEADER + rows)
    specs = load_mmmt_if_csv(path, tmp_path)
    turns = specs[0].turns
    assert turns[0].images == ["i1.png"] and turns[0].new_instructions == [
        ["detectable_content:number_parity", {"parity": "odd", "greater_than": 5}]
    ]
    assert turns[1].new_instructions == [["sentence:end_mark", {"mark": "!"}]]
    assert parse_mmmt_if_instruction(
        "Only use responses to question where each sentence in the response is at most 18 words"
    ) == ["sentence:words_per_sentence", {"num_words": 18, "relation": "at most"}]
    assert parse_mmmt_if_instruction("Make all the following responses no more than 4 sentences.") == [
        "sentence:count",
        {"num_sentences": 4, "relation": "at most"},
    ]
    assert parse_mmmt_if_instruction("Start every sentence with the letter (S).")[1] == {"letter": "S"}
    assert parse_mmmt_if_instruction("Use the word 'per se' at least once in all future responses.")[1] == {
        "phrase": "per se"
    }


def test_mmmt_if_csv_missing_image_and_unknown_instruction(tmp_path):
    path = tmp_path / "mmmt.csv"
    path.write_text(CSV_HEADER + '0,1,"Look at Image1.","",0,,\n')
    with pytest.raises(DatasetError) as err:
        load_mmmt_if_csv(path, tmp_path)
    assert err.value.field == "image 1" and err.value.line == 2
    path.write_text(CSV_HEADER + '0,1,"Hi.","Instruction: Dance a jig.",1,,\n')
    with pytest.raises(DatasetError, match="unrecognised instruction") as err:
        load_mmmt_if_csv(path, tmp_path)
    assert err.value.field == "all instructions"


def test_dataset_error_reaches_the_cli_as_one_line(tmp_path, capsys):
    path = tmp_path / "d.jsonl"
    path.write_text("{broken\n")
    code = main(
        [
            "run",
            "--no-progress",
            "--tasks",
            "dialogue-jsonl",
            "--model",
            "oracle",
            "--task-args",
            f"path={path}",
            "--output-dir",
            str(tmp_path / "o"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and f"{path}, line 1" in err and "Traceback" not in err
