"""The ``hf`` adapter on tiny randomly initialised VLMs of two families, saved and loaded the way
users load theirs; a full 20-turn dialogue runs end to end and is scored honestly."""

import asyncio
import json

import numpy as np
import pytest

from mmturn.tasks.cli import main
from mmturn.tasks.models.hf import HFModel, to_hf_conversation
from mmturn.tasks.types import Message, Part, Request


@pytest.mark.slow
@pytest.mark.parametrize("family", ["tiny_qwen", "tiny_llava"])
def test_tiny_vlm_runs_a_full_20_turn_dialogue(family, request, tmp_path):
    path = request.getfixturevalue(family)
    out = tmp_path / family
    code = main(
        [
            "run",
            "--no-progress",
            "--no-report",
            "--tasks",
            "mmmt-if",
            "--model",
            "hf",
            "--limit",
            "2",
            "--model-args",
            f"pretrained={path},max_new_tokens=16,batch_size=2",
            "--output-dir",
            str(out),
        ]
    )
    assert code == 0
    res = json.loads((out / "results.json").read_text())
    assert res["counts"]["mmmt-if"] == {"asked": 2, "episodes": 2, "turns": 40, "errors": 0, "cached": 0}
    m = res["results"]["mmmt-if"]
    assert 0.0 <= m["accuracy"] <= 0.3 and 0.0 <= m["pif"] < 1.0  # random weights: garbage replies, honest scores
    turns = [
        json.loads(x) for x in (out / "samples" / "mmmt-if.jsonl").read_text().splitlines() if '"type": "turn"' in x
    ]
    tokens = [t["input_tokens"] for t in turns if t["index"] == 0]
    assert all(b > a for a, b in zip(tokens, tokens[1:]))  # the history grows every turn
    assert res["config"]["model_config"]["pretrained"] == str(path)


def test_conversation_keeps_part_order_and_roles():
    img = Part.of_image(np.zeros((600, 300, 3), np.uint8))
    conv = to_hf_conversation(
        [Message("user", (Part.of_text("a"), img, Part.of_text("b"))), Message("assistant", (Part.of_text("ok"),))],
        max_side=100,
        system_prompt="sys",
    )
    assert [m["role"] for m in conv] == ["system", "user", "assistant"]
    assert [c["type"] for c in conv[1]["content"]] == ["text", "image", "text"]
    assert conv[1]["content"][1]["image"].size == (50, 100)


@pytest.mark.slow
def test_concurrent_requests_are_batched_with_the_same_answers(tiny_qwen):
    model = HFModel(str(tiny_qwen), max_new_tokens=8, batch_size=4)
    img = Part.of_image(np.random.default_rng(1).integers(0, 256, (80, 60, 3), dtype=np.uint8))
    requests = [
        Request([Message("user", (img, Part.of_text(q)))], seed=0) for q in ("what is it", "how many", "hello world")
    ]

    async def go(reqs):
        try:
            return await asyncio.gather(*[model.respond(r) for r in reqs])
        finally:
            await model.aclose()

    batched = asyncio.run(go(requests))
    alone = [asyncio.run(go([r]))[0] for r in requests]
    assert [r.text for r in batched] == [r.text for r in alone]
    assert [r.input_tokens for r in batched] == [r.input_tokens for r in alone]


@pytest.mark.slow
def test_tiny_vlm_runs_gui_grounding(tiny_qwen, tmp_path):
    out = tmp_path / "gui"
    code = main(
        [
            "run",
            "--no-progress",
            "--no-report",
            "--tasks",
            "gui-grounding",
            "--model",
            "hf",
            "--limit",
            "1",
            "--task-args",
            "coords=norm1000",
            "--model-args",
            f"pretrained={tiny_qwen},max_new_tokens=12",
            "--output-dir",
            str(out),
        ]
    )
    assert code == 0
    res = json.loads((out / "results.json").read_text())
    assert res["counts"]["gui-grounding"] == {"asked": 1, "episodes": 1, "turns": 5, "errors": 0, "cached": 0}
    assert 0.0 <= res["results"]["gui-grounding"]["accuracy"] <= 1.0


@pytest.mark.slow
def test_tiny_vlm_runs_gui_tasks_end_to_end(tiny_qwen, tmp_path):
    out = tmp_path / "tasks"
    code = main(
        [
            "run",
            "--no-progress",
            "--no-report",
            "--tasks",
            "gui-tasks",
            "--model",
            "hf",
            "--limit",
            "2",
            "--model-args",
            f"pretrained={tiny_qwen},max_new_tokens=16",
            "--output-dir",
            str(out),
        ]
    )
    assert code == 0
    res = json.loads((out / "results.json").read_text())
    assert res["counts"]["gui-tasks"]["episodes"] == 2 and res["counts"]["gui-tasks"]["errors"] == 0
    assert (
        res["results"]["gui-tasks"]["success"] == 0.0 and res["results"]["gui-tasks"]["steps"] >= 10
    )  # garbage replies run out the budget
