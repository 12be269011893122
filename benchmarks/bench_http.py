"""Receive and scan over HTTP from separate client processes, with the Python API in the same run as the baseline.

    python benchmarks/bench_http.py               # 10,000 receives (SIGKILL and restart after 3,000), 2,000 scans
    python benchmarks/bench_http.py --labels 2000 --scans 500

Standalone, like ``bench_images.py`` (about 30 s on 2 cores). It drives a real ``barcode-plugins serve`` with the
load test's clients (``tests/test_http_load.py`` checks exactly-once receipts at a small size; the figures are
measured here): requests/s and p50/p99 of the requests answered at their first attempt, for ``po-receive`` before
the kill and for ``scan``; the same receives through ``Engine.receive`` in one process are the baseline. Prints one
JSON document; nothing is judged.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# The server and client helpers are the load test's: one copy, in the tests directory.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from http_server import Server, make_token
from test_http_load import CLIENTS, LINES, label, order, run_clients

from barcode_plugins import Engine


def figures(rows: list[list[Any]], started: float, until: float | None = None) -> dict[str, float]:
    """Requests/s over a window, and latency percentiles of the requests that went through at the first attempt."""
    window = [row for row in rows if until is None or row[5] <= until]
    end = until if until is not None else max(row[5] for row in rows)
    latencies = sorted(row[3] for row in window if row[4] == 1)
    return {
        "requests": len(window),
        "requests_per_second": round(len(window) / (end - started), 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 2),
    }


def baseline(workdir: Path, receives: int, per_line: int) -> dict[str, float]:
    """The same receives through the Python API, one process, on a fresh store like the server's."""
    with Engine(workdir / "baseline.db") as engine:
        engine.import_purchase_orders([order(per_line)])
        latencies = []
        started = time.perf_counter()
        for number in range(receives):
            before = time.perf_counter()
            engine.receive(label(number))
            latencies.append(time.perf_counter() - before)
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": receives,
        "requests_per_second": round(receives / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 3),
        "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 3),
    }


def run(workdir: Path, labels: int, kill_after: int, scans: int, baseline_receives: int) -> dict[str, Any]:
    """Receive ``labels`` over HTTP (server killed and restarted after ``kill_after`` answers), then ``scans``.

    The order takes 40% of the labels; the rest are over-receipts, as in the load test."""
    per_line = max(1, labels * 2 // 5 // LINES)
    db = workdir / "load.db"
    with Engine(db) as engine:
        engine.import_purchase_orders([order(per_line)])
    token = make_token(db)
    server = Server(db).start()
    try:
        started = time.time()
        rows, killed_at = run_clients(server, token, "/api/barcode/po-receive/", labels, workdir / "r", kill_after)
        whole_run = round(max(row[5] for row in rows) - started, 1)
        receive = figures(rows, started, killed_at)
        scan_started = time.time()
        scan_rows, _ = run_clients(server, token, "/api/barcode/", scans, workdir / "s", None)
        scan = figures(scan_rows, scan_started)
    finally:
        server.stop()
    return {
        "clients": CLIENTS,
        "receive_over_http_before_the_kill": receive,
        "receive_over_http_whole_run_with_kill_and_restart": {"seconds": whole_run},
        "scan_over_http": scan,
        "receive_python_api_baseline": baseline(workdir, baseline_receives, per_line),
        "retried_requests": sum(1 for row in rows if row[4] > 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the sizes, run, print the JSON document."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=int, default=10_000, help="labels sent to po-receive (default 10,000)")
    parser.add_argument("--kill-after", type=int, default=3_000, help="answers before the SIGKILL (default 3,000)")
    parser.add_argument("--scans", type=int, default=2_000, help="labels sent to scan afterwards (default 2,000)")
    parser.add_argument("--baseline", type=int, default=2_000, help="Engine.receive calls (default 2,000)")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-http-") as scratch:
        report = run(Path(scratch), options.labels, options.kill_after, options.scans, options.baseline)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
