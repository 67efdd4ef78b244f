"""Judge models: ratings parsed in every accepted form (else retried, then counted unparsed, never scored);
judge metrics kept apart per judge in results.json; re-judging a stored run without the model under test;
MMDU's six dimensions; a tiny local HF VLM as judge; pairwise comparison with order swapping; and the
judge's agreement with the code's verdicts."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from mmturn.tasks.cli import main
from mmturn.tasks.compare import tally
from mmturn.tasks.judge import TEMPLATES, Template, cohen_kappa, parse_rating, parse_verdict
from mmturn.testing.fake_openai import FakeOpenAIServer, ServerState

SINGLE = Template.load(TEMPLATES / "judge_single.j2")
BASE = ["--no-progress", "--no-report", "--executor", "inline"]


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("Good answer. Rating: [[7]]", {"score": 7.0}),
        ("[[8.5]]", {"score": 8.5}),
        ('{"score": 3}', {"score": 3.0}),
        ('Explanation... {"rating": "9"}', {"score": 9.0}),
        ("Score: 6/10", {"score": 6.0}),
        ("rating = 4", {"score": 4.0}),
        ("Rating: [[11]]", None),  # outside 1-10
        ("Rating: [[0]]", None),
        ("The answer is fine.", None),
        ('{"score": NaN}', None),
        ("", None),
    ],
)
def test_ratings_are_parsed_in_every_accepted_form(text, rating):
    assert parse_rating(text, SINGLE) == rating


def test_verdicts_tally_and_kappa():
    assert [parse_verdict(t) for t in ("[[A]]", "x [[C]]", "[[A]] or [[B]]", "A")] == ["A", "C", None, None]
    # first order says A (run A), swapped order says B (run A again): a consistent win; A then A: a flip
    counts = tally([("A", "B"), ("A", "A"), ("B", "A"), ("C", "C"), (None, "A")])
    assert counts == {"a_wins": 1, "b_wins": 1, "ties": 2, "unparsed": 1, "n": 5, "flip_rate": 0.25}
    assert cohen_kappa([(True, True), (False, False)] * 5) == 1.0
    assert cohen_kappa([(True, False), (False, True)] * 5) == -1.0
    assert cohen_kappa([(True, True)] * 4) is None
    # 20 pairs: p_o = 0.7, p_e = 0.5 * 0.5 + 0.5 * 0.5 -> kappa 0.4
    pairs = [(True, True)] * 7 + [(False, False)] * 7 + [(True, False)] * 3 + [(False, True)] * 3
    assert cohen_kappa(pairs) == pytest.approx(0.4)


def _judged(out, key_part: str = "") -> dict:
    judges = json.loads((out / "results.json").read_text())["judges"]
    return next(v for k, v in judges.items() if key_part in k)


def test_a_fake_judge_rates_mmmt_if_and_a_silent_one_is_counted_unparsed(tmp_path):
    out = tmp_path / "run"
    with FakeOpenAIServer(ServerState(responder=lambda body: "Clear and correct. Rating: [[7]]")) as judge:
        args = f"base_url={judge.base_url},cache=none,turns=all,model=judge-7"
        assert (
            main(
                ["run", *BASE, "--tasks", "mmmt-if", "--model", "oracle", "--limit", "2", "--output-dir", str(out)]
                + ["--judge", "openai", "--judge-args", args]
            )
            == 0
        )
        first = judge.state.requests[0]["messages"][0]["content"]
    entry = _judged(out)
    assert entry["results"]["mmmt-if"] == {"judge_score": 7.0, "judged": 40, "judge_unparsed": 0}
    assert entry["curves"]["mmmt-if"]["judge_score"] == [7.0] * 20
    assert entry["templates"]["mmmt-if"]["name"] == "single" and len(entry["templates"]["mmmt-if"]["sha256"]) == 64
    assert first[0]["type"] == "image_url" and "[The assistant's answer]" in first[-1]["text"]  # the judge sees images
    lines = out / "judgments" / next(iter(json.loads((out / "results.json").read_text())["judges"])) / "mmmt-if.jsonl"
    assert len(lines.read_text().splitlines()) == 40
    # a judge that never gives a number: asked again (judge_retries), then counted, never scored
    with FakeOpenAIServer(ServerState(responder=lambda body: "I cannot rate this.")) as silent:
        args = f"base_url={silent.base_url},cache=none,turns=all,judge_retries=1,model=silent"
        assert main(["score", str(out), "--judge", "openai", "--judge-args", args]) == 0
        assert len(silent.state.requests) == 40 * 2
    entry = _judged(out, "silent")
    assert entry["results"]["mmmt-if"] == {"judge_score": None, "judged": 40, "judge_unparsed": 40}
    assert _judged(out, "judge-7")["results"]["mmmt-if"]["judge_score"] == 7.0  # the first judge is kept apart


def test_open_turns_only_by_default_and_score_rejudges_without_the_model(tmp_path):
    out = tmp_path / "run"
    assert (
        main(["run", *BASE, "--tasks", "mmmt-if", "--model", "oracle", "--limit", "3", "--output-dir", str(out)]) == 0
    )
    samples = (out / "samples" / "mmmt-if.jsonl").read_text()
    open_turns = sum(1 for line in samples.splitlines() if '"type": "turn"' in line and '"describe": true' in line)
    with FakeOpenAIServer(ServerState(responder=lambda body: '{"score": 4}')) as judge:
        assert (
            main(["score", str(out), "--judge", "openai", "--judge-args", f"base_url={judge.base_url},cache=none"]) == 0
        )
    entry = _judged(out)
    assert entry["results"]["mmmt-if"]["judged"] == open_turns > 0 and entry["results"]["mmmt-if"]["judge_score"] == 4
    assert "agreement" in entry  # description turns carry the code's verdict (CHAIR_i = 0)


def test_mmdu_dimensions_are_averaged_exactly(tmp_path):
    for k in range(2):
        Image.fromarray(np.full((40, 60, 3), 60 * k, np.uint8)).save(tmp_path / f"m{k}.png")
    items = [
        {
            "id": "a",
            "image": ["m0.png", "m1.png"],
            "conversations": [
                {"from": "user", "value": "<ImageHere><ImageHere>Compare the two images."},
                {"from": "assistant", "value": "The first is darker."},
                {"from": "user", "value": "Which one is brighter?"},
                {"from": "assistant", "value": "The second."},
            ],
        }
    ]
    (tmp_path / "mmdu.json").write_text(json.dumps(items))
    dims = [
        "creativity",
        "richness",
        "visual_perception",
        "logical_coherence",
        "answer_accuracy",
        "image_relationship_understanding",
        "overall",
    ]
    answers = iter([{d: 2 + i for i, d in enumerate(dims)}, {d: 4 + i for i, d in enumerate(dims)}])
    out = tmp_path / "run"
    with FakeOpenAIServer(ServerState(responder=lambda body: "Fine. " + json.dumps(next(answers)))) as judge:
        assert (
            main(
                ["run", *BASE, "--tasks", "mmdu", "--model", "oracle", "--task-args", f"path={tmp_path / 'mmdu.json'}"]
                + [
                    "--output-dir",
                    str(out),
                    "--judge",
                    "openai",
                    "--judge-args",
                    f"base_url={judge.base_url},cache=none",
                ]
            )
            == 0
        )
        sent = next(
            r["messages"][0]["content"]
            for r in judge.state.requests
            if "[Reference answer]\nThe second." in r["messages"][0]["content"][-1]["text"]
        )
    metrics = _judged(out)["results"]["mmdu"]
    assert {d: metrics[f"judge_{d}"] for d in dims} == {d: 3.0 + i for i, d in enumerate(dims)}
    assert metrics["judge_score"] == 9.0 and metrics["judged"] == 2  # overall: (8 + 10) / 2
    assert sum(c["type"] == "image_url" for c in sent) == 2  # the dialogue's images so far


def test_pairwise_comparison_swaps_the_order(tmp_path, capsys):
    runs = {}
    for model in ("oracle", "random"):
        runs[model] = tmp_path / model
        assert (
            main(
                ["run", *BASE, "--tasks", "mmmt-if", "--model", model, "--limit", "1", "--output-dir", str(runs[model])]
            )
            == 0
        )

    def longer(body: dict) -> str:  # a consistent judge: the longer answer wins, whatever the order
        text = body["messages"][0]["content"][-1]["text"]
        a = text.split("[Assistant A's answer]\n", 1)[1].split("\n\n[Assistant B's answer]\n", 1)
        return "[[A]]" if len(a[0]) > len(a[1]) else "[[B]]" if len(a[1]) > len(a[0]) else "[[C]]"

    for responder, flips in ((lambda body: "[[A]]", 1.0), (longer, 0.0)):
        with FakeOpenAIServer(ServerState(responder=responder)) as judge:
            out = tmp_path / f"compare-{flips}.json"
            args = f"base_url={judge.base_url},cache=none,turns=all"
            assert (
                main(
                    [
                        "compare",
                        str(runs["oracle"]),
                        str(runs["random"]),
                        "--judge",
                        "openai",
                        "--judge-args",
                        args,
                        "--output",
                        str(out),
                    ]
                )
                == 0
            )
            assert len(judge.state.requests) == 2 * 20
        counts = json.loads(out.read_text())["mmmt-if"]
        assert counts["n"] == 20 and counts["flip_rate"] == flips
        if flips:  # always "the first": every verdict flips with the order, so no run wins a turn
            assert counts["ties"] == 20 and counts["a_wins"] == counts["b_wins"] == 0
        else:
            assert counts["a_wins"] + counts["b_wins"] + counts["ties"] == 20 and counts["a_wins"] > 0
    assert "verdicts that flip with the order" in capsys.readouterr().out


def test_judge_agreement_with_the_code_on_editing(tmp_path):
    """A fixed judge (its rating a hash of the instruction) against the detectors' verdicts: the table holds
    the accuracy and Cohen's kappa computed from the same verdicts here."""
    out = tmp_path / "run"
    assert (
        main(["run", *BASE, "--tasks", "edit-multiturn", "--model", "random", "--limit", "4", "--output-dir", str(out)])
        == 0
    )

    def rating(instruction: str) -> int:
        return 9 if hashlib.sha256(instruction.encode()).digest()[0] % 2 else 2

    def responder(body: dict) -> str:
        instruction = body["messages"][0]["content"][-1]["text"].split("[Edit instruction]\n", 1)[1].strip()
        return json.dumps({"instruction_following": rating(instruction), "quality": 5})

    with FakeOpenAIServer(ServerState(responder=responder)) as judge:
        assert (
            main(["score", str(out), "--judge", "openai", "--judge-args", f"base_url={judge.base_url},cache=none"]) == 0
        )
    turns = [
        json.loads(x) for x in (out / "samples" / "edit-multiturn.jsonl").read_text().splitlines() if '"turn"' in x
    ]
    pairs = [
        (t["scores"]["follow"] >= 1, rating(t["target"]["instruction"]) >= 5.5)
        for t in turns
        if t["type"] == "turn" and t["reply_images"] and "follow" in t["scores"]
    ]
    agreement = _judged(out)["agreement"]["edit-multiturn"]
    assert agreement["n"] == len(pairs) > 0
    assert agreement["accuracy"] == pytest.approx(sum(a == b for a, b in pairs) / len(pairs))
    kappa = cohen_kappa(pairs)
    assert agreement["kappa"] == (pytest.approx(kappa) if kappa is not None else None)
    assert main(["report", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert "Cohen&#39;s kappa" in html or "Cohen's kappa" in html


@pytest.mark.slow
def test_a_tiny_hf_vlm_serves_as_a_local_judge(tiny_qwen, tmp_path):
    out = tmp_path / "run"
    assert (
        main(["run", *BASE, "--tasks", "mmmt-if", "--model", "oracle", "--limit", "1", "--output-dir", str(out)]) == 0
    )
    args = f"pretrained={tiny_qwen},max_new_tokens=6,turns=all,judge_retries=0"
    assert main(["score", str(out), "--judge", "hf", "--judge-args", args]) == 0
    metrics = _judged(out)["results"]["mmmt-if"]
    assert metrics["judged"] == 20 and 0 <= metrics["judge_unparsed"] <= 20  # random weights: unparsed is counted


def test_bad_judge_arguments_are_one_line_errors(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(["run", *BASE, "--tasks", "mmmt-if", "--model", "oracle", "--limit", "1", "--output-dir", str(out)]) == 0
    )
    for args, message in (
        (["--judge", "openai", "--judge-args", "turns=some"], "turns must be 'open' or 'all'"),
        (["--judge", "openai", "--judge-args", "colour=red"], "judge 'openai' does not take colour"),
        (["--judge-args", "turns=all"], "argument --judge-args: needs --judge"),
        (["--judge", "openai", "--judge-args", f"template={tmp_path / 'none.j2'}"], "none.j2"),
    ):
        assert main(["score", str(out), *args]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("mmturn: error:") and message in err and "\n" not in err
