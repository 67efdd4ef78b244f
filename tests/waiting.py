"""Waiting on a run in another process by reading the sample log it writes and flushes (no sleeps)."""

import subprocess
import threading
from pathlib import Path


def wait_for_records(samples: Path, n: int, proc: subprocess.Popen | None = None, kind: str = "turn") -> None:
    """Block until ``samples`` holds n records of ``kind`` ("turn" or "episode")."""
    while not (samples.exists() and samples.read_text().count(f'"type": "{kind}"') >= n):
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the run ended early: {proc.stderr.read()[-2000:] if proc.stderr else ''}")
        threading.Event().wait(0.05)
