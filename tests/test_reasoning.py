"""Reasoning traces: the same answers sent plainly, in reasoning_content, or inline as <think> give identical
metrics; the traces are logged; no later request carries one unless keep_reasoning=true; a trace that never
closes fails its turn, flagged."""

import json

import pytest

from mmturn.tasks.cli import main
from mmturn.tasks.reasoning import split_reasoning
from mmturn.testing.fake_openai import TRACE, FakeOpenAIServer, ServerState


@pytest.mark.parametrize(
    "text,answer,trace,truncated",
    [
        ("<think>a b</think>\n\nThe answer is 7.", "The answer is 7.", "a b", False),
        ("  <think>\nx\n</think>7", "7", "x", False),
        ("a b</think>7", "7", "a b", False),  # the template opened the trace in the prompt
        ("<think>never closed", "", "never closed", True),
        ("plain 7", "plain 7", None, False),
        ("The tag <think> inside an answer stays", "The tag <think> inside an answer stays", None, False),
    ],
)
def test_split_reasoning(text, answer, trace, truncated):
    split = split_reasoning(text)
    assert (split.answer, split.trace, split.truncated) == (answer, trace, truncated)
    assert split_reasoning("[T]x[/T]y", ("[T]", "[/T]")).answer == "y"


def run(tmp_path, mode: str, *extra: str):
    state = ServerState(reasoning=mode)
    out = tmp_path / "-".join((mode, *extra))
    with FakeOpenAIServer(state) as server:
        args = f"model=m,base_url={server.base_url},cache=none" + "".join(f",{e}" for e in extra)
        assert (
            main(
                [
                    "run",
                    "--no-progress",
                    "--no-report",
                    "--tasks",
                    "mmmt-if,gui-tasks",
                    "--model",
                    "openai",
                    "--limit",
                    "1",
                    "--model-args",
                    args,
                    "--output-dir",
                    str(out),
                ]
            )
            == 0
        )
    results = json.loads((out / "results.json").read_text())
    turns = [
        json.loads(x)
        for t in ("mmmt-if", "gui-tasks")
        for x in (out / "samples" / f"{t}.jsonl").read_text().splitlines()
        if '"type": "turn"' in x
    ]
    sent = [m["content"] for r in state.requests for m in r["messages"] if m["role"] == "assistant"]
    return results, turns, sent


def test_traces_are_split_logged_and_never_sent_back(tmp_path):
    plain, _, _ = run(tmp_path, "none")
    for mode in ("field", "inline"):
        results, turns, sent = run(tmp_path, mode)
        assert results["results"] == plain["results"], mode  # scoring saw the answers only
        assert all(
            t["reasoning"] == TRACE and not t["reasoning_truncated"] and t["reasoning_tokens"] == len(TRACE.split())
            for t in turns
        )
        assert sent and not any(TRACE in c or "<think>" in c for c in sent)  # the history holds answers only
    _, _, kept = run(tmp_path, "inline", "keep_reasoning=true")
    assert kept and all(c.startswith(f"<think>{TRACE}</think>") for c in kept)


def test_a_trace_that_never_closes_fails_its_turn_flagged(tmp_path):
    results, turns, _ = run(tmp_path, "truncated")
    assert all(t["reasoning_truncated"] and t["reply"] == "" and t["reasoning"].startswith(TRACE) for t in turns)
    assert all(t["model_error"] == "finish_reason=length" for t in turns)
    assert results["results"]["mmmt-if"]["accuracy"] == 0.0
