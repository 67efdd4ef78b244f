"""The benchmark scripts run (on small sizes) and print their ratios; their targets are measured by
running them in full, not asserted here."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.slow
@pytest.mark.parametrize(
    "script,args,ratios",
    [
        ("harness_overhead.py", ["--episodes", "2", "--pairs", "2", "--requests", "32"], 2),
        ("image_dialogue.py", ["--episodes", "1", "--turns", "6"], 1),
        ("gui.py", ["--episodes", "3"], 2),
        ("nav.py", ["--episodes", "1", "--size", "64"], 1),
        ("web.py", ["--episodes", "2"], 2),
        ("viewer.py", ["--episodes", "200"], 0),
        ("scorers.py", ["--images", "8", "--batch", "4"], 1),
        ("scaling.py", ["--episodes", "6", "--size", "32", "--rounds", "1"], 2),
        ("fuzz.py", ["--replies", "30"], 0),
        ("soak.py", ["--episodes", "12", "--first", "4"], 2),
    ],
)
def test_benchmark_prints_its_ratios(script, args, ratios):
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.findall(r"ratio [^:]*:\s*([0-9.]+)", done.stdout)
    assert len(found) == ratios and all(float(r) > 0 for r in found), done.stdout
    if script == "fuzz.py":
        assert re.search(r"failures: 0 ", done.stdout), done.stdout
