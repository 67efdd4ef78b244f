"""``mmturn compare A B --judge MODEL``: a judge model says which of two runs' answers to the same turn is
better, asked twice with the answers' order swapped (MT-Bench's pairwise protocol): a run wins a turn only
when both orders prefer it, otherwise it is a tie; the share of verdicts that flip with the order is the
judge's position bias. Both runs must have played the same episodes (same seed and task versions)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from mmturn.tasks.judge import TEMPLATES, JudgeItem, Template, parse_verdict
from mmturn.tasks.judge_pass import Judge, JudgeConfig, selected
from mmturn.tasks.logs import RunDir
from mmturn.tasks.model import make_model
from mmturn.tasks.registry import TASKS
from mmturn.tasks.results import load_results


def _key(record: dict[str, Any]) -> tuple[int, int, int]:
    return record["index"], record["repeat"], record["turn"]


def tally(verdicts: list[tuple[str | None, str | None]]) -> dict[str, Any]:
    """Counts from (first order, swapped order) verdicts, each 'A', 'B', 'C' or None, where A is run A in the
    first order and run B in the swapped one."""
    wins = {"a_wins": 0, "b_wins": 0, "ties": 0, "unparsed": 0}
    flips = parsed = 0
    for first, swapped in verdicts:
        if first is None or swapped is None:
            wins["unparsed"] += 1
            continue
        parsed += 1
        one = {"A": "a", "B": "b", "C": "tie"}[first]
        two = {"A": "b", "B": "a", "C": "tie"}[swapped]
        flips += one != two
        wins["a_wins" if one == two == "a" else "b_wins" if one == two == "b" else "ties"] += 1
    return {**wins, "n": len(verdicts), "flip_rate": flips / parsed if parsed else None}


async def compare_runs(a: Path, b: Path, config: JudgeConfig, tasks: list[str] | None = None) -> dict[str, Any]:
    ra, rb = load_results(a), load_results(b)
    for field in ("seed", "repeats"):
        if ra["config"].get(field) != rb["config"].get(field):
            raise ValueError(
                f"{a} and {b} played different episodes ({field} {ra['config'].get(field)!r} vs "
                f"{rb['config'].get(field)!r})"
            )
    names = [t for t in (tasks or ra["config"]["tasks"]) if t in rb["config"]["tasks"] and t in TASKS]
    template = Template.load(config.template or TEMPLATES / "judge_pairwise.j2")
    run_a, run_b = RunDir(a), RunDir(b)
    model = make_model(config.model, config.model_args)
    judge = Judge(config, model, run_a)
    out: dict[str, Any] = {"judge": config.describe(), "template": template.describe(), "a": str(a), "b": str(b)}
    try:
        for name in names:
            task = TASKS.get(name)
            if task.judge is None or not task.judge.pairwise:
                continue
            if ra["config"]["tasks"][name].get("version") != rb["config"]["tasks"][name].get("version"):
                raise ValueError(f"{name}: {a} and {b} ran different task versions")
            answers_b = {_key(r): item for r, item in selected(run_b, task, config.turns)}
            pairs = [
                (item, answers_b[_key(r)]) for r, item in selected(run_a, task, config.turns) if _key(r) in answers_b
            ]

            def ask(x: JudgeItem, y: JudgeItem):
                def prompt(_: JudgeItem) -> str:
                    return template.render(
                        question=x.question, reference=x.reference, answer_a=x.answer, answer_b=y.answer
                    )

                return judge.ask(prompt, x, parse_verdict)

            first = await asyncio.gather(*(ask(x, y) for x, y in pairs))
            swapped = await asyncio.gather(*(ask(y, x) for x, y in pairs))
            out[name] = tally([(f[0][0], s[0][0]) for f, s in zip(first, swapped)])
    finally:
        run_a.close()
        run_b.close()
        await model.aclose()
    return out
