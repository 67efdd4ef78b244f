"""Usage and cost: tokens (reasoning included) and latency per turn, totals per task in results.json and
the report, cost from price_in / price_out; --max-cost and --max-tokens-total stop a run cleanly, and a
resume with a higher budget completes it to the numbers of a clean run."""

from __future__ import annotations

import json

import pytest

from mmturn.tasks.cli import BUDGET_REACHED, main
from mmturn.testing.fake_openai import TRACE, FakeOpenAIServer, ServerState


def run(out, url: str, *extra: str, model_args: str = "", limit: str = "4") -> int:
    args = f"base_url={url},cache=none{model_args}"
    return main(
        ["run", "--no-progress", "--executor", "inline", "--tasks", "mmmt-if", "--limit", limit, "--model", "openai"]
        + ["--model-args", args, "--output-dir", str(out), *extra]
    )


def turns_of(out) -> list[dict]:
    lines = (out / "samples" / "mmmt-if.jsonl").read_text().splitlines()
    return [json.loads(x) for x in lines if '"type": "turn"' in x]


def test_usage_totals_and_cost_in_results_and_report(tmp_path):
    out = tmp_path / "run"
    with FakeOpenAIServer(ServerState(reasoning="field")) as server:
        assert run(out, server.base_url, model_args=",price_in=1.5,price_out=3", limit="2") == 0
    turns = turns_of(out)
    usage = json.loads((out / "results.json").read_text())["usage"]["mmmt-if"]
    n_in, n_out = sum(t["input_tokens"] for t in turns), sum(t["output_tokens"] for t in turns)
    assert usage["input_tokens"] == n_in == 11 * len(turns) and usage["output_tokens"] == n_out > 0
    assert usage["reasoning_tokens"] == len(TRACE.split()) * len(turns)
    assert usage["fetched"] == len(turns) and usage["latency_s"] > 0
    assert usage["cost"] == pytest.approx((n_in * 1.5 + n_out * 3) / 1e6)
    html = (out / "report.html").read_text()
    assert f"{n_in} / {n_out}" in html and f"{usage['cost']:.4f}" in html


@pytest.mark.parametrize("flag", ["--max-tokens-total", "--max-cost"])
def test_a_budget_stops_the_run_cleanly_and_a_higher_one_resumes_it(tmp_path, capsys, flag):
    """Two episodes play at a time (--workers 1 --max-connections 1); a budget of 3/4 of a clean run's tokens
    stops the run in the second pair: the first pair is kept, the rest is played on resume."""
    clean, out = tmp_path / "clean", tmp_path / "budget"
    prices = ",price_in=1,price_out=1"  # a token costs a millionth
    with FakeOpenAIServer() as server:
        assert run(clean, server.base_url, "--workers", "1", "--max-connections", "1", model_args=prices) == 0
        total = sum(t["input_tokens"] + t["output_tokens"] for t in turns_of(clean))
        budget = [flag, str(int(0.75 * total)) if flag == "--max-tokens-total" else str(0.75 * total / 1e6)]
        capsys.readouterr()
        assert (
            run(out, server.base_url, "--workers", "1", "--max-connections", "1", *budget, model_args=prices)
            == BUDGET_REACHED
        )
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"stopped: {flag} ") and "reached" in err and "--resume" in err and "\n" not in err
        stopped = json.loads((out / "results.json").read_text())
        assert stopped["counts"]["mmmt-if"]["episodes"] == 2
        assert (
            0.75 * total <= stopped["usage"]["mmmt-if"]["input_tokens"] + stopped["usage"]["mmmt-if"]["output_tokens"]
        )
        requests = len(server.state.requests)  # the same budget again: nothing more is spent
        assert (
            run(
                out, server.base_url, "--workers", "1", "--max-connections", "1", *budget, "--resume", model_args=prices
            )
            == BUDGET_REACHED
        )
        assert len(server.state.requests) == requests
        higher = [flag, str(10 * total) if flag == "--max-tokens-total" else "1"]
        assert (
            run(
                out, server.base_url, "--workers", "1", "--max-connections", "1", *higher, "--resume", model_args=prices
            )
            == 0
        )
    done = json.loads((out / "results.json").read_text())
    assert done["counts"]["mmmt-if"]["episodes"] == 4
    assert done["results"] == json.loads((clean / "results.json").read_text())["results"]
