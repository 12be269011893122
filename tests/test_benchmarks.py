"""The benchmark script still runs and reports every figure (at tiny sizes: no timing is judged here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIGURES = {
    "decode.mixed",
    "decode.floor",
    "decode.idle_plugins",
    "decode.clean",
    "decode.wedge",
    "links.get_link",
    "links.scan",
    "import.add_links",
    "import.import_links",
    "import.import_links_one_process",
    "receive.batch",
    "receive.scaling",
    "receive.durable",
    "cli.cold_start",
    "memory.decode",
    "memory.decode_json",
}


@pytest.mark.slow
def test_every_benchmark_runs_and_reports_its_figure(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke", "--json", "--tmpdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,  # the script must not depend on being run from the checkout's root
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    document = json.loads(result.stdout)
    figures = {figure["key"]: figure for figure in document["figures"]}
    assert set(figures) == FIGURES
    for key, figure in figures.items():
        assert figure["met"] in (True, False, None), key
        assert figure["ratio"] is None or figure["ratio"] > 0, key
    assert document["corpus_verification"]["checked"] > 0
