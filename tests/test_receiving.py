"""Receiving by scan through the Python API: every outcome, undo, and concurrency and crash safety."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sample_labels import EOT, GS, RS

from barcode_plugins import Engine, InputError, ItemRef, NotFound, PurchaseOrder, PurchaseOrderLine


def ecia(*elements: str) -> str:
    """A generic vendor's EIGP-114 label (no supplier plugin claims it)."""
    return f"[)>{RS}06{GS}" + GS.join(elements) + f"{RS}{EOT}"


def farnell_order(quantity: int = 100, reference: str = "PO-7", status: str = "placed") -> PurchaseOrder:
    return PurchaseOrder(
        reference, "Farnell", None, status,
        (PurchaseOrderLine(reference, 1, mpn="LM358DR", quantity=quantity, destination="bin 4"),
         PurchaseOrderLine(reference, 2, mpn="NE555DR", quantity=10)),
    )  # fmt: skip


@pytest.fixture
def receiving(engine: Engine) -> Engine:
    engine.import_purchase_orders([farnell_order()])
    return engine


def test_receive_books_line_stock_link_and_history(receiving: Engine) -> None:
    label = ecia("KPO-7", "1PLM358DR", "Q40", "1TLOT-1", "10D2319", "4LPH")
    result = receiving.receive(label)
    assert (result.status, result.purchase_order, result.line, result.quantity, result.outstanding) == (
        "received", "PO-7", 1, 40, 60)  # fmt: skip
    stock = receiving.stock_item(result.stock_item or 0)
    assert (stock.quantity, stock.location, stock.lot_code, stock.date_code, stock.country_of_origin) == (
        40, "bin 4", "LOT-1", "2319", "PH")  # fmt: skip
    assert receiving.scan(label).item == ItemRef("stockitem", str(stock.id))
    assert receiving.purchase_order("PO-7").lines[0].received == 40
    assert receiving.history(1, action="receive")[0].status == "received"


def test_the_same_label_is_never_counted_twice(receiving: Engine) -> None:
    label = ecia("KPO-7", "1PLM358DR", "Q40", "1TLOT-1")
    receiving.receive(label)
    again = receiving.receive(label.replace(GS, "\u241d") + "\r\n")  # the same label through a wedge
    assert again.status == "already_received" and "PO-7 line 1" in again.message
    assert receiving.purchase_order("PO-7").lines[0].received == 40


def test_over_receipt_is_refused_unless_allowed(receiving: Engine) -> None:
    result = receiving.receive(ecia("KPO-7", "1PNE555DR", "Q15", "1TA"))
    assert result.status == "over_receipt" and "by 5" in result.message
    assert receiving.purchase_order("PO-7").lines[1].received == 0
    allowed = receiving.receive(ecia("KPO-7", "1PNE555DR", "Q15", "1TA"), allow_over=True)
    assert allowed.status == "received" and allowed.outstanding == 0


def test_no_match_names_what_was_looked_for(receiving: Engine) -> None:
    result = receiving.receive(ecia("KPO-7", "1PUNKNOWN-PART", "Q1"))
    assert result.status == "no_match" and "UNKNOWN-PART" in result.message and "PO-7" in result.message
    assert receiving.receive(ecia("KPO-999", "1PLM358DR", "Q1")).status == "no_match"


def test_ambiguous_lines_are_listed_and_po_resolves(receiving: Engine) -> None:
    receiving.import_purchase_orders([farnell_order(reference="PO-8")])
    label = ecia("1PLM358DR", "Q5", "1TX")  # no PO reference on the label
    result = receiving.receive(label)
    assert result.status == "ambiguous" and "PO-7 line 1" in result.message and "PO-8 line 1" in result.message
    chosen = receiving.receive(label, purchase_order="PO-8")
    assert (chosen.status, chosen.purchase_order) == ("received", "PO-8")


def test_missing_quantity_is_asked_for(receiving: Engine) -> None:
    label = ecia("KPO-7", "1PLM358DR", "1TNOQTY")
    assert receiving.receive(label).status == "needs_quantity"
    assert receiving.receive(label, quantity=3).quantity == 3
    with pytest.raises(InputError):
        receiving.receive(label, quantity=0)


def test_unrecognised_and_internal_scans(receiving: Engine) -> None:
    assert receiving.receive("hello").status == "not_recognised"
    assert receiving.receive('{"stockitem": 1}').status == "not_recognised"
    assert receiving.receive("").status == "error"


def test_only_placed_orders_are_receivable(engine: Engine) -> None:
    engine.import_purchase_orders([farnell_order(status="pending")])
    assert engine.receive(ecia("KPO-7", "1PLM358DR", "Q1")).status == "no_match"


def test_undo_restores_line_and_removes_stock_and_link(receiving: Engine) -> None:
    label = ecia("KPO-7", "1PLM358DR", "Q40", "1TLOT-9")
    done = receiving.receive(label)
    undone = receiving.undo_receipt(done.barcode.barcode_hash if done.barcode else "")
    assert undone.status == "undone" and undone.outstanding == 100
    assert receiving.purchase_order("PO-7").lines[0].received == 0
    with pytest.raises(NotFound):
        receiving.stock_item(done.stock_item or 0)
    assert receiving.scan(label).item is None
    again = receiving.receive(label)
    assert again.status == "received"
    assert receiving.undo_receipt(again.history_id or 0).status == "undone"
    with pytest.raises(NotFound):
        receiving.undo_receipt(again.history_id or 0)


def test_reimport_updates_and_protects_received_lines(receiving: Engine) -> None:
    receiving.receive(ecia("KPO-7", "1PLM358DR", "Q40", "1TA"))
    receiving.import_purchase_orders([farnell_order(quantity=120)])
    order = receiving.purchase_order("PO-7")
    assert (len(order.lines), order.lines[0].quantity, order.lines[0].received) == (2, 120, 40)
    kept = PurchaseOrderLine("PO-7", 2, mpn="NE555DR", quantity=10)
    shrunk = PurchaseOrder("PO-7", "Farnell", None, "placed", (kept,))
    with pytest.raises(InputError, match="line 1 has 40 received"):
        receiving.import_purchase_orders([shrunk])
    with pytest.raises(InputError, match="below the 40"):
        receiving.import_purchase_orders([farnell_order(quantity=30)])
    assert receiving.purchase_order("PO-7").lines[0].quantity == 120  # nothing half-written


# -- several processes at once --------------------------------------------------------------------------------
_WORKER = """
import json, os, sys, time
from barcode_plugins import Engine
labels = json.load(open(sys.argv[2]))
with Engine(sys.argv[1]) as engine:
    engine.store.schema_version()
    while not os.path.exists(sys.argv[3]):  # start together, so the stations really overlap
        time.sleep(0.001)
    print(json.dumps([engine.receive(label).status for label in labels]))
"""


def _run_parallel(db: Path, batches: list[list[str]]) -> Counter[str]:
    """Each batch in its own process (a real second station), all started before any is waited for."""
    processes = []
    go = db.with_name("go")
    go.unlink(missing_ok=True)
    for number, batch in enumerate(batches):
        labels = db.with_name(f"batch{number}.json")
        labels.write_text(json.dumps(batch))
        command = [sys.executable, "-c", _WORKER, str(db), str(labels), str(go)]
        processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    time.sleep(1.0)  # let every process import and open the store
    go.touch()
    counts: Counter[str] = Counter()
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
        counts.update(json.loads(out))
    return counts


@pytest.mark.slow
@pytest.mark.parametrize("processes", [2, 8])
def test_concurrent_receipts_are_exact_and_never_over(make_engine: Callable[..., Engine], processes: int) -> None:
    engine = make_engine()
    engine.import_purchase_orders([farnell_order(quantity=150)])
    db = Path(engine.store.path)
    engine.close()
    # 200 different bags of 1 against a line of 150: exactly 150 received, 50 refused as over-receipt.
    labels = [ecia("KPO-7", "1PLM358DR", "Q1", f"1TBAG{n:04d}") for n in range(200)]
    counts = _run_parallel(db, [labels[i::processes] for i in range(processes)])
    assert counts == Counter({"received": 150, "over_receipt": 50})
    with Engine(db) as check:
        assert check.purchase_order("PO-7").lines[0].received == 150
        assert check.store.received_on_line("PO-7", 1) == 150


@pytest.mark.slow
def test_the_same_label_at_several_stations_is_received_once(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine()
    engine.import_purchase_orders([farnell_order()])
    db = Path(engine.store.path)
    engine.close()
    label = ecia("KPO-7", "1PLM358DR", "Q10", "1TONCE")
    counts = _run_parallel(db, [[label] * 5 for _ in range(6)])
    assert counts == Counter({"received": 1, "already_received": 29})
    with Engine(db) as check:
        assert check.purchase_order("PO-7").lines[0].received == 10


@pytest.mark.slow
def test_sigkill_mid_batch_loses_nothing_finished_and_leaves_no_half_scan(tmp_path: Path) -> None:
    from conftest import cli_path

    db = tmp_path / "killed.db"
    with Engine(db) as engine:
        engine.import_purchase_orders([farnell_order(quantity=100_000)])
    # 1,200 labels: the kill comes after 300 answers read, and the command can be at most a pipe's worth of answers
    # (64 KiB, a few hundred bytes each) ahead of them, so it always lands mid-batch.
    count = 1200
    scans = tmp_path / "scans.txt"
    scans.write_text("".join(ecia("KPO-7", "1PLM358DR", "Q1", f"1TK{n:05d}") + "\n" for n in range(count)))
    env = {**os.environ, "BARCODE_PLUGINS_DB": str(db)}
    process = subprocess.Popen([cli_path(), "receive", "--json", "--file", str(scans)], stdout=subprocess.PIPE, env=env)
    assert process.stdout is not None
    printed = 0
    deadline = time.monotonic() + 60
    while printed < 300 and time.monotonic() < deadline:
        if json.loads(process.stdout.readline())["status"] == "received":
            printed += 1
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        receipts = conn.execute("SELECT count(*) FROM receipts").fetchone()[0]
        stock = conn.execute("SELECT count(*) FROM stock_items").fetchone()[0]
        links = conn.execute("SELECT count(*) FROM links").fetchone()[0]
        logged = conn.execute("SELECT count(*) FROM history WHERE status = 'received'").fetchone()[0]
        received = conn.execute("SELECT received_micros / 1000000 FROM po_lines WHERE line = 1").fetchone()[0]
    assert printed <= receipts < count
    assert receipts == stock == links == logged == received  # every scan whole, none half
    # Re-running the same file receives only what is missing.
    rerun = subprocess.run(
        [cli_path(), "receive", "--json", "--file", str(scans)], capture_output=True, env=env, check=False
    )
    statuses = Counter(json.loads(line)["status"] for line in rerun.stdout.splitlines())
    assert statuses == Counter({"received": count - receipts, "already_received": receipts})
    with Engine(db) as check:
        assert check.purchase_order("PO-7").lines[0].received == count
