"""Load from separate processes: 8 clients send 1,500 distinct labels to ``po-receive`` against lines that can take
only part of them; the server is killed with SIGKILL mid-run and restarted while the clients retry. Every receipt
must be counted exactly once, the rest refused as over-receipts, and the store must agree with what the clients saw.

The figures (requests/s, p50/p99, the Python API as the baseline, and scans) are ``benchmarks/bench_http.py``'s,
with these clients at the full size; nothing here measures time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from http_server import Server, make_token

from barcode_plugins import Engine
from barcode_plugins.models import PurchaseOrder, PurchaseOrderLine

CLIENTS = 8
# As small as keeps eight clients' requests overlapping before, during and after the kill (each client sends
# about 190 requests; the kill comes after a third of them and interrupts requests in flight).
LABELS = 1_500
LINES = 10
PER_LINE = 60  # 600 labels fit; 900 are over-receipts
KILL_AFTER = 500  # answers seen by the clients before the server is killed
CLIENT = Path(__file__).with_name("http_load_client.py")
RS, GS, EOT = "\x1e", "\x1d", "\x04"


def label(number: int) -> str:
    """A distinct generic ECIA label (lot code) of one of the order's parts, quantity 1."""
    return f"[)>{RS}06{GS}1PLOAD-{number % LINES}{GS}Q1{GS}1TLOT{number:06d}{RS}{EOT}"


def order(per_line: int = PER_LINE) -> PurchaseOrder:
    """The order the labels are received against: ``LINES`` lines of ``per_line`` each."""
    lines = tuple(PurchaseOrderLine("PO-LOAD", n + 1, None, f"LOAD-{n}", None, per_line) for n in range(LINES))
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


@pytest.mark.slow
def test_receives_from_eight_processes_are_each_counted_once_across_a_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "load.db"
    with Engine(db) as engine:
        engine.import_purchase_orders([order()])
    token = make_token(db)
    server = Server(db).start()
    try:
        rows, _ = run_clients(server, token, "/api/barcode/po-receive/", LABELS, tmp_path / "receive", KILL_AFTER)
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
