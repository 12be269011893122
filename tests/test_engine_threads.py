"""One ``Engine`` shared by threads, as a web server or a host application shares it: every receipt reported
as booked is in the file after ``close()``, receipts and line totals agree — also while another process writes
a bulk link import to the same file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
from collections import Counter
from pathlib import Path

import pytest
from sample_labels import EOT, GS, RS

from barcode_plugins import Engine, PurchaseOrder, PurchaseOrderLine, StoreError

THREADS = 8
RECEIVES_PER_THREAD = 200


def _label(thread: int, number: int) -> str:
    return f"[)>{RS}06{GS}1PPART-1{GS}Q1{GS}1TLOT-{thread}-{number}{RS}{EOT}"


def _receive_from_threads(engine: Engine) -> tuple[Counter[str], list[BaseException]]:
    outcomes: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def work(thread: int) -> None:
        start.wait()  # all at once: the store opens lazily under this contention
        try:
            for number in range(RECEIVES_PER_THREAD):
                status = engine.receive(_label(thread, number)).status
                with lock:
                    outcomes[status] += 1
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, errors


def _counts(db: Path) -> tuple[int, int, int, int]:
    with sqlite3.connect(db) as conn:
        return (
            conn.execute("SELECT count(*) FROM receipts").fetchone()[0],
            conn.execute("SELECT count(*) FROM stock_items").fetchone()[0],
            conn.execute("SELECT count(*) FROM history WHERE status = 'received'").fetchone()[0],
            conn.execute("SELECT received_micros / 1000000 FROM po_lines").fetchone()[0],
        )


def _prepare(db: Path) -> Engine:
    with Engine(db) as setup:
        line = PurchaseOrderLine("PO-1", 1, mpn="PART-1", quantity=THREADS * RECEIVES_PER_THREAD)
        setup.import_purchase_orders([PurchaseOrder("PO-1", "Farnell", None, "placed", (line,))])
    engine = Engine(db)
    engine.decode(_label(0, 0))  # plugins loaded first: their loading race is another test's subject
    return engine


def test_eight_threads_share_one_engine_for_receiving(tmp_path: Path) -> None:
    db = tmp_path / "threads.db"
    engine = _prepare(db)
    outcomes, errors = _receive_from_threads(engine)
    engine.close()
    assert errors == []
    assert outcomes == Counter({"received": THREADS * RECEIVES_PER_THREAD})
    assert _counts(db) == (THREADS * RECEIVES_PER_THREAD,) * 4


def test_threads_receive_while_another_process_imports_50000_links(tmp_path: Path) -> None:
    from conftest import cli_path

    db = tmp_path / "busy.db"
    engine = _prepare(db)
    links = tmp_path / "links.csv"
    links.write_text("raw,item\n" + "".join(f"TAG-{n:06d},part:{n}\n" for n in range(50_000)))
    importer = subprocess.Popen(
        [cli_path(), "link", "--file", str(links)],
        env={**os.environ, "BARCODE_PLUGINS_DB": str(db)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        outcomes, errors = _receive_from_threads(engine)
    finally:
        _, stderr = importer.communicate(timeout=300)
    engine.close()
    assert importer.returncode == 0, stderr
    assert errors == []
    assert outcomes == Counter({"received": THREADS * RECEIVES_PER_THREAD})
    assert _counts(db) == (THREADS * RECEIVES_PER_THREAD,) * 4
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM links WHERE item_type = 'part'").fetchone()[0] == 50_000


def test_a_memory_store_shared_by_threads_takes_turns(engine: Engine) -> None:
    line = PurchaseOrderLine("PO-1", 1, mpn="PART-1", quantity=THREADS * RECEIVES_PER_THREAD)
    engine.import_purchase_orders([PurchaseOrder("PO-1", "Farnell", None, "placed", (line,))])
    outcomes, errors = _receive_from_threads(engine)
    assert errors == []
    assert outcomes == Counter({"received": THREADS * RECEIVES_PER_THREAD})
    assert engine.purchase_order("PO-1").lines[0].received == THREADS * RECEIVES_PER_THREAD
    assert engine.store.received_on_line("PO-1", 1) == THREADS * RECEIVES_PER_THREAD


def test_close_closes_every_threads_connection(tmp_path: Path) -> None:
    engine = _prepare(tmp_path / "c.db")
    store = engine.store
    thread = threading.Thread(target=lambda: engine.receive(_label(1, 1)))
    thread.start()
    thread.join()
    assert len(store._connections) == 2
    engine.close()
    assert store._connections == []
    with pytest.raises(StoreError, match="closed"):  # not a silently reopened connection
        store.get_link("x")


def test_connections_of_ended_threads_are_closed(tmp_path: Path) -> None:
    engine = _prepare(tmp_path / "short.db")
    for number in range(30):  # a server that starts a thread per request
        thread = threading.Thread(target=engine.receive, args=(_label(9, number),))
        thread.start()
        thread.join()
    assert len(engine.store._connections) <= 2  # this thread's and the last request's
    assert engine.purchase_order("PO-1").lines[0].received == 30
    engine.close()
