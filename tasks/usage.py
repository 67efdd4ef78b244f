"""Token and cost accounting. Every turn logs the tokens of its reply (prompt, completion, reasoning, from
the API's usage block or counted locally) and its latency; a task's totals come from its sample log. A
model's ``price_in`` / ``price_out`` (per million tokens) price the replies fetched from it (replies from
the cache cost nothing); ``--max-cost`` and ``--max-tokens-total`` stop a run cleanly once spent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


class BudgetReached(RuntimeError):
    """The run spent its --max-cost or --max-tokens-total: finished episodes are kept, the rest resumes."""


def cost(input_tokens: int | None, output_tokens: int | None, price_in: float | None, price_out: float | None) -> float:
    """Price of one reply: input tokens x price_in + output tokens x price_out, prices per million tokens."""
    return ((input_tokens or 0) * (price_in or 0.0) + (output_tokens or 0) * (price_out or 0.0)) / 1e6


def usage_totals(turns: Iterable[dict[str, Any]], price_in: float | None, price_out: float | None) -> dict[str, Any]:
    """A task's usage over the turn records: tokens of every reply, the latency summed, the replies fetched
    (not from the cache) and, where prices are known, their cost."""
    totals: dict[str, Any] = {"input_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0, "latency_s": 0.0}
    fetched, spent = 0, 0.0
    for t in turns:
        for key in ("input_tokens", "output_tokens", "reasoning_tokens"):
            totals[key] += int(t.get(key) or 0)
        totals["latency_s"] += float(t.get("latency_s") or 0.0)
        if not t.get("cached"):
            fetched += 1
            spent += cost(t.get("input_tokens"), t.get("output_tokens"), price_in, price_out)
    totals["latency_s"] = round(totals["latency_s"], 3)
    totals["fetched"] = fetched
    totals["cost"] = round(spent, 6) if price_in is not None or price_out is not None else None
    return totals


@dataclass
class Budget:
    """What the run may still spend; ``add`` counts a fetched reply, ``check`` stops the run once spent."""

    max_cost: float | None = None
    max_tokens: int | None = None
    price_in: float | None = None
    price_out: float | None = None
    tokens: int = 0
    spent: float = 0.0

    def add(self, input_tokens: int | None, output_tokens: int | None, cached: bool = False) -> None:
        if not cached:
            self.tokens += (input_tokens or 0) + (output_tokens or 0)
            self.spent += cost(input_tokens, output_tokens, self.price_in, self.price_out)

    def add_records(self, records: Iterable[dict[str, Any]]) -> None:
        """What earlier runs in this folder spent (a resumed run's budget covers the whole run)."""
        for r in records:
            if r.get("type") == "turn":
                self.add(r.get("input_tokens"), r.get("output_tokens"), bool(r.get("cached")))

    def check(self) -> None:
        if self.max_cost is not None and self.spent >= self.max_cost:
            raise BudgetReached(f"--max-cost {self.max_cost:g} reached (spent {self.spent:.4f})")
        if self.max_tokens is not None and self.tokens >= self.max_tokens:
            raise BudgetReached(f"--max-tokens-total {self.max_tokens} reached (used {self.tokens} tokens)")
