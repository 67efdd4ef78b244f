"""Judging a stored run: a judge model (any registered adapter: ``openai`` for a local vLLM or a hosted API,
``hf`` for a local VLM) rates the turns each task's ``JudgeSpec`` selects, reading the turn's images back
from the run folder, so the model under test is never called again. Each rating is asked ``repeats``
times; an unparseable or out-of-scale answer is asked again (``judge_retries``), then counted in
``judge_unparsed`` and left out of every mean. Judgments go to ``judgments/<judge>/<task>.jsonl`` and
``results.json["judges"][<judge>]``: one entry per judge, so several judges of one run stay apart."""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean, pstdev
from typing import Any

import numpy as np

from mmturn.tasks.args import typed_args
from mmturn.tasks.judge import JudgeItem, Template, cohen_kappa, parse_rating
from mmturn.tasks.logs import RunDir, dumps, finished_episodes, write_atomic
from mmturn.tasks.metrics import bootstrap_interval
from mmturn.tasks.model import Model, make_model
from mmturn.tasks.results import load_results
from mmturn.tasks.secrets import redact, scrub
from mmturn.tasks.task import Task
from mmturn.tasks.types import Message, Part, Request


@dataclass
class JudgeConfig:
    """``--judge MODEL --judge-args ...``: the judge's own options, and the rest for its model adapter."""

    model: str
    model_args: dict[str, Any] = field(default_factory=dict)
    template: str | None = None  # a path to your own template (default: each task's)
    turns: str = "open"  # "open": turns no exact answer decides; "all": every turn
    repeats: int = 1
    judge_retries: int = 2
    images: bool = True  # send the turn's images (false for a text-only judge)

    @staticmethod
    def from_args(model: str, args: dict[str, Any]) -> "JudgeConfig":
        own = {k: args[k] for k in ("template", "turns", "repeats", "judge_retries", "images") if k in args}
        config = JudgeConfig(
            model,
            {k: v for k, v in args.items() if k not in own},
            **typed_args(JudgeConfig, own, "argument --judge-args"),
        )
        if config.turns not in ("open", "all"):
            raise ValueError(f"argument --judge-args: turns must be 'open' or 'all', got {config.turns!r}")
        if config.repeats < 1 or config.judge_retries < 0:
            raise ValueError("argument --judge-args: repeats must be at least 1 and judge_retries at least 0")
        return config

    def key(self) -> str:
        """The judge's name in results.json and judgments/: its model and a hash of everything that sets it."""
        raw = json.dumps([self.model, redact(self.model_args), self.template, self.turns, self.repeats], sort_keys=True)
        label = self.model_args.get("model") or self.model_args.get("pretrained")
        named = f"{self.model}-{Path(str(label)).name}" if label else self.model
        return f"{named}-{hashlib.sha256(raw.encode()).hexdigest()[:8]}"

    def describe(self) -> dict[str, Any]:
        return json.loads(
            dumps(
                {
                    "model": self.model,
                    "model_args": redact(self.model_args),
                    **{k: getattr(self, k) for k in ("template", "turns", "repeats", "judge_retries", "images")},
                }
            )
        )


def selected(run_dir: RunDir, task: Task, turns: str) -> list[tuple[dict[str, Any], JudgeItem]]:
    """The finished episodes' turns the task's judge spec selects, each with what the judge sees."""
    assert task.judge is not None
    out = []
    for records in finished_episodes(run_dir.read(task.name)).values():
        images: list[str] = []
        for record in records:  # the images so far: every observation's, and the replies' before this one
            images += [o["image"] for o in record.get("observation", []) if "image" in o]
            item = task.judge.select(record, tuple(images))
            if item is not None and (turns == "all" or not item.decided):
                out.append((record, item))
            images += [o["image"] for o in record.get("reply_images", []) if "image" in o]
    return out


class Judge:
    def __init__(self, config: JudgeConfig, model: Model, run_dir: RunDir) -> None:
        self.config, self.model, self.run_dir = config, model, run_dir
        self.slots = asyncio.Semaphore(max(1, model.concurrency))

    def request(self, item: JudgeItem, prompt: str, sample: int) -> Request:
        parts: list[Part] = []
        for digest in item.images if self.config.images else ():
            image = self.run_dir.open_image(digest)
            if image is not None:
                parts.append(Part.of_image(np.asarray(image.convert("RGB"))))
        return Request([Message("user", (*parts, Part.of_text(prompt)))], seed=0, sample_index=sample)

    async def ask(self, prompt_of, item: JudgeItem, parse) -> tuple[list[Any], list[str]]:
        """Each repeat's parsed answer (None where every retry failed to parse) and the judge's raw texts."""
        parsed, raw = [], []
        for repeat in range(self.config.repeats):
            value = None
            for attempt in range(self.config.judge_retries + 1):
                sample = repeat * (self.config.judge_retries + 1) + attempt
                async with self.slots:
                    reply = await self.model.respond(self.request(item, prompt_of(item), sample))
                raw.append(reply.text)
                if (value := parse(reply.text)) is not None:
                    break
            parsed.append(value)
        return parsed, raw


async def judge_task(judge: Judge, task: Task, template: Template) -> dict[str, Any]:
    items = selected(judge.run_dir, task, judge.config.turns)

    def prompt(item: JudgeItem) -> str:
        return template.render(question=item.question, answer=item.answer, reference=item.reference)

    answers = await asyncio.gather(*(judge.ask(prompt, item, lambda t: parse_rating(t, template)) for _, item in items))
    lines: list[dict[str, Any]] = []
    per_episode: dict[tuple[int, int], list[float]] = {}
    by_turn: dict[int, list[float]] = {}
    spreads: list[float] = []
    pairs: list[tuple[bool, bool]] = []
    sums: dict[str, list[float]] = {f"judge_{d}": [] for d in template.dimensions}
    unparsed = 0
    for (record, item), (ratings, raw) in zip(items, answers):
        good = [r for r in ratings if r is not None]
        mean = {d: fmean(r[d] for r in good) for d in template.dimensions} if good else None
        lines.append(
            {k: record[k] for k in ("task", "index", "repeat", "attempt", "turn")}
            | {"ratings": ratings, "rating": mean, "raw": raw, "verdict": item.verdict}
        )
        if mean is None:
            unparsed += 1
            continue
        for d in template.dimensions:
            sums[f"judge_{d}"].append(mean[d])
        head = mean[template.headline]
        per_episode.setdefault((record["index"], record["repeat"]), []).append(head)
        by_turn.setdefault(record["turn"], []).append(head)
        if len(good) > 1:
            spreads.append(pstdev(r[template.headline] for r in good))
        if item.verdict is not None:
            pairs.append((item.verdict, head >= sum(template.scale) / 2))
    folder = judge.run_dir.root / "judgments" / judge.config.key()
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / f"{task.name}.jsonl", scrub("".join(dumps(line) + "\n" for line in lines)))
    headline = sums[f"judge_{template.headline}"]
    metrics: dict[str, Any] = {"judge_score": fmean(headline) if headline else None}
    if len(template.dimensions) > 1:
        metrics.update({k: fmean(v) if v else None for k, v in sums.items()})
    metrics.update(judged=len(items), judge_unparsed=unparsed)
    if spreads:
        metrics["judge_spread"] = fmean(spreads)
    ci = bootstrap_interval(list(per_episode.values()))
    agreement = (
        {"n": len(pairs), "accuracy": fmean(a == b for a, b in pairs), "kappa": cohen_kappa(pairs)} if pairs else None
    )
    curve = [fmean(by_turn[t]) if t in by_turn else None for t in range(max(by_turn) + 1)] if by_turn else []
    return {"metrics": metrics, "ci": {"judge_score": list(ci)} if ci else {}, "curve": curve, "agreement": agreement}


async def judge_run(root: Path, config: JudgeConfig, tasks: list[Task]) -> dict[str, Any]:
    """Judge every judgeable task of the run in ``root`` (its lock held by the caller); returns its entry."""
    run_dir = RunDir(Path(root))
    model = make_model(config.model, config.model_args)
    judge = Judge(config, model, run_dir)
    entry: dict[str, Any] = {"judge": config.describe(), "templates": {}, "results": {}, "ci": {}, "curves": {}}
    entry["agreement"] = {}
    try:
        for task in tasks:
            if task.judge is None:
                continue
            template = Template.load(config.template or task.judge.template)
            done = await judge_task(judge, task, template)
            entry["templates"][task.name] = template.describe()
            entry["results"][task.name] = done["metrics"]
            entry["ci"][task.name] = done["ci"]
            entry["curves"][task.name] = {"judge_score": done["curve"]}
            if done["agreement"]:
                entry["agreement"][task.name] = done["agreement"]
    finally:
        run_dir.close()
        await model.aclose()
    results = load_results(run_dir.root)
    results.setdefault("judges", {})[config.key()] = entry
    write_atomic(run_dir.root / "results.json", scrub(json.dumps(json.loads(dumps(results)), indent=2)))
    return entry
