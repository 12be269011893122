"""Load from separate processes: 8 clients send 10,000 distinct labels to ``po-receive`` against lines that can take
only part of them; the server is killed with SIGKILL mid-run and restarted while the clients retry. Every receipt
must be counted exactly once, the rest refused as over-receipts, and the store must agree with what the clients saw.

The figures (requests/s, p50/p99 for receive and scan; the same receive through the Python API in this run as the
baseline) go to ``tests/artifacts/http-load.json``; nothing is judged on them here.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from http_server import Server, make_token

from barcode_plugins import Engine
from barcode_plugins.models import PurchaseOrder, PurchaseOrderLine

CLIENTS = 8
LABELS = 10_000
LINES = 10
PER_LINE = 400  # 4,000 labels fit; 6,000 are over-receipts
KILL_AFTER = 3_000  # answers seen by the clients before the server is killed
SCANS = 2_000
BASELINE_RECEIVES = 2_000
CLIENT = Path(__file__).with_name("http_load_client.py")
ARTIFACTS = Path(__file__).parent / "artifacts"
RS, GS, EOT = "\x1e", "\x1d", "\x04"


def label(number: int) -> str:
    """A distinct generic ECIA label (lot code) of one of the order's parts, quantity 1."""
    return f"[)>{RS}06{GS}1PLOAD-{number % LINES}{GS}Q1{GS}1TLOT{number:06d}{RS}{EOT}"


def order() -> PurchaseOrder:
    lines = tuple(PurchaseOrderLine("PO-LOAD", n + 1, None, f"LOAD-{n}", None, PER_LINE) for n in range(LINES))
    return PurchaseOrder("PO-LOAD", "acme", None, "placed", lines)


def run_clients(
    server: Server, token: str, path: str, count: int, work: Path, kill_after: int | None
) -> tuple[list[list], float | None]:
    """Start the client processes on ``count`` labels; optionally SIGKILL and restart the server mid-run.

    Returns every answer and when the server was killed."""
    work.mkdir()
    processes = []
    outputs = []
    for client in range(CLIENTS):
        share = work / f"labels-{client}.jsonl"
        share.write_text("".join(json.dumps([n, label(n)]) + "\n" for n in range(client, count, CLIENTS)))
        outputs.append(work / f"out-{client}.jsonl")
        command = [sys.executable, str(CLIENT), server.base, token, path, str(share), str(outputs[-1])]
        processes.append(subprocess.Popen(command))
    killed_at = None
    if kill_after is not None:
        while sum(len(out.read_bytes().splitlines()) for out in outputs if out.exists()) < kill_after:
            assert all(process.poll() is None for process in processes), "a client ended before the kill"
            time.sleep(0.05)
        killed_at = time.time()
        server.kill()
        time.sleep(0.5)
        server.start()
    for process in processes:
        assert process.wait(timeout=900) == 0, "a client gave up"
    return [json.loads(line) for out in outputs for line in out.read_text().splitlines()], killed_at


def figures(rows: list[list], started: float, until: float | None = None) -> dict[str, float]:
    """Requests/s over a window, and latency percentiles of the requests that went through at the first attempt."""
    window = [row for row in rows if until is None or row[5] <= until]
    end = until if until is not None else max(row[5] for row in rows)
    latencies = sorted(row[3] for row in window if row[4] == 1)
    return {
        "requests": len(window),
        "requests_per_second": round(len(window) / (end - started), 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
    }


def baseline(tmp_path: Path) -> dict[str, float]:
    """The same receives through the Python API, one process, on a fresh store like the server's."""
    with Engine(tmp_path / "baseline.db") as engine:
        engine.import_purchase_orders([order()])
        latencies = []
        started = time.perf_counter()
        for number in range(BASELINE_RECEIVES):
            before = time.perf_counter()
            engine.receive(label(number))
            latencies.append(time.perf_counter() - before)
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": BASELINE_RECEIVES,
        "requests_per_second": round(BASELINE_RECEIVES / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 3),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 3),
    }


@pytest.mark.slow
def test_ten_thousand_receives_from_eight_processes_survive_a_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "load.db"
    with Engine(db) as engine:
        engine.import_purchase_orders([order()])
    token = make_token(db)
    server = Server(db).start()
    try:
        started = time.time()
        rows, killed_at = run_clients(
            server, token, "/api/barcode/po-receive/", LABELS, tmp_path / "receive", KILL_AFTER
        )
        receive_figures = figures(rows, started, killed_at)
        whole_run = {"seconds": round(max(row[5] for row in rows) - started, 1)}
        scan_started = time.time()
        scan_rows, _ = run_clients(server, token, "/api/barcode/", SCANS, tmp_path / "scan", None)
        scan_figures = figures(scan_rows, scan_started)
    finally:
        server.stop()

    assert sorted(row[0] for row in rows) == list(range(LABELS))  # every label has exactly one final answer
    by_outcome: dict[str, list[int]] = {}
    for index, status, outcome, _, attempts, _ in rows:
        assert status == {"received": 200, "already_received": 409, "over_receipt": 422}.get(outcome, status)
        # A retried request whose first attempt committed before the kill is answered "already received": that
        # receipt is this label's own, counted once.
        if outcome == "already_received":
            assert attempts > 1, f"label {index} was received twice"
            outcome = "received"
        by_outcome.setdefault(outcome, []).append(index)
    assert set(by_outcome) == {"received", "over_receipt"}, {k: len(v) for k, v in by_outcome.items()}
    assert len(by_outcome["received"]) == LINES * PER_LINE
    assert any(row[4] > 1 for row in rows), "the kill interrupted no request: it came too late to test anything"

    with Engine(db) as engine:
        placed = engine.purchase_order("PO-LOAD")
        assert [line.received for line in placed.lines] == [PER_LINE] * LINES
        hashes = {index: engine.decode(label(index)).barcode_hash for index in range(LABELS)}
        for index in by_outcome["received"]:
            assert engine.store.get_receipt(hashes[index]) is not None, f"label {index}: 200 but no receipt"
        for index in by_outcome["over_receipt"]:
            assert engine.store.get_receipt(hashes[index]) is None, f"label {index}: refused but received"
    assert all(status == 200 for _, status, *_ in scan_rows)

    report = {
        "receive_over_http_before_the_kill": receive_figures,
        "receive_over_http_whole_run_with_kill_and_restart": whole_run,
        "scan_over_http": scan_figures,
        "receive_python_api_baseline": baseline(tmp_path),
        "clients": CLIENTS,
        "retried_requests": sum(1 for row in rows if row[4] > 1),
        "retried_and_answered_already_received": sum(1 for row in rows if row[2] == "already_received"),
        "received": len(by_outcome["received"]),
        "over_receipt": len(by_outcome["over_receipt"]),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "http-load.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
