"""Hostile replies at scale: for every registered env, N replies drawn from mmturn.testing (empty,
whitespace, 1 MB, control characters, mixed scripts and emoji, broken JSON, JSON with wrong types,
NaN / huge / negative coordinates, other families' actions, prompt injection; images of any size for
image-returning envs), each stepped and checked against the invariants (no exception, rewards and
scores finite and in range, observation in its space, a parse error logged on its turn, the turn
loggable). Prints each env's failure count and the total (goal: 0). Envs run in parallel processes."""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
import traceback


def fuzz(env_id: str, n: int, seed: int) -> tuple[str, int, int, float, str]:
    import os

    from mmturn.tasks.worker import WORKER_VAR

    os.environ[WORKER_VAR] = "1"  # a pool process is an isolated worker already: simulators run in it
    import numpy as np

    from mmturn.testing import check_step, hostile_action, make_env

    env = make_env(env_id)
    failures, first, steps = 0, "", 0
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    while steps < n:
        reply_seed = int(rng.integers(2**63))
        action = hostile_action(env, np.random.default_rng(reply_seed))
        steps += 1
        try:
            if check_step(env, action):
                env.reset(seed=int(rng.integers(2**31)))
        except Exception as e:  # noqa: BLE001 (every failure is counted, the first reported)
            failures += 1
            if not first:
                first = f"reply seed {reply_seed}: {type(e).__name__}: {e}\n{traceback.format_exc(limit=4)}"
            env.reset(seed=int(rng.integers(2**31)))
    env.close()
    return env_id, steps, failures, time.perf_counter() - started, first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replies", type=int, default=10_000, help="hostile replies per env")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    import mmturn.tasks.envs  # noqa: F401  (registers the envs with gymnasium)
    from mmturn.tasks.registry import ENVS

    with mp.get_context("spawn").Pool(args.processes) as pool:
        done = pool.starmap(fuzz, [(e, args.replies, args.seed) for e in ENVS.names()])
    total = 0
    for env_id, steps, failures, seconds, first in done:
        total += failures
        print(f"  {env_id:<32} {steps:>6} replies  {failures:>4} failures  {steps / seconds:8.0f} replies/s")
        if first:
            print("    first failure: " + first.replace("\n", "\n    "))
    print(f"hostile replies: {sum(d[1] for d in done)} over {len(done)} envs; failures: {total}   (goal: 0)")


if __name__ == "__main__":
    main()
