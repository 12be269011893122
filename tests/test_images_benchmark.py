"""``benchmarks/bench_images.py`` still runs and reports its three parts (``--smoke``: no timing is judged here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_image_benchmark_runs_and_reports_every_part(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_images.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,  # not from the checkout's root
    )
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout
    assert "1 MP (1155 x 866), 1 label" in output and "(1/1 found)" in output
    assert "Digi-Key DataMatrix    sharp: every size from" in output and "LCSC QR" in output
    assert "Gaussian blur radius 1.0 px              reads" in output  # a mild blur must always read
    assert "mirrored" in output
