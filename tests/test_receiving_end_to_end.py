"""The main job, end to end: import a PO per supplier, receive a whole shipment, check every line and item.

Needs the four bundled supplier plugins installed (the README's test command installs them).
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sample_labels import DIGIKEY, EOT, GENERIC_ECIA, GS, LCSC, MOUSER, RS, TME_DATAMATRIX, TME_QR

from barcode_plugins import Engine

ORDERS_CSV = """reference,supplier,supplier_reference,status,line,sku,mpn,manufacturer,quantity,destination
PO-DK-1,digikey,81234567,placed,1,497-1234-1-ND,STM32F103C8T6,STMicroelectronics,100,shelf A1
PO-DK-1,digikey,81234567,placed,2,296-1395-5-ND,NE555P,Texas Instruments,10,shelf A2
PO-0042,mouser,,placed,3,,NE555DR,Texas Instruments,50,shelf B1
PO-LC-1,lcsc,SO2311070042,placed,1,C25804,0603WAF1002T5E,UNI-ROYAL,200,drawer 3
PO-2024-0117,tme,21345678,placed,3,1N4148-DIO,1N4148-TAP,VISHAY,20,drawer 4
PO-7,Farnell,,placed,1,,LM358DR,Texas Instruments,100,bin 7
"""

UNKNOWN_PART = DIGIKEY.replace("497-1234-1-ND", "999-NOPE-ND").replace("STM32F103C8T6", "NOPE")
MOUSER_AGAIN_BAG = MOUSER.replace("11K012345678", "11K012345679").replace("Q50", "Q10")

SHIPMENT: list[tuple[str, str]] = [
    (DIGIKEY, "received"),
    (MOUSER, "received"),
    (LCSC, "received"),
    (TME_QR, "received"),
    (TME_DATAMATRIX, "received"),
    (GENERIC_ECIA, "received"),
    # the Digi-Key bag again, typed by a wedge scanner that shows control pictures and adds CR LF
    (DIGIKEY.replace(GS, "\u241d").replace(RS, "\u241e") + "\r", "already_received"),
    # the generic vendor's bag again, through caret notation and without trailer
    (GENERIC_ECIA.replace(RS + EOT, "").replace(GS, "^]").replace(RS, "^^"), "already_received"),
    # Mouser's old broken header: same label, same hash
    (MOUSER.replace(f"[)>{RS}06", ">[)>06").replace(RS + EOT, ""), "already_received"),
    (MOUSER_AGAIN_BAG, "over_receipt"),
    (UNKNOWN_PART, "no_match"),
    ("SOME-RANDOM-CODE-128", "not_recognised"),
]

EXPECTED_RECEIVED = {
    ("PO-DK-1", 1): 25,
    ("PO-DK-1", 2): 0,
    ("PO-0042", 3): 50,
    ("PO-LC-1", 1): 100,
    ("PO-2024-0117", 3): 20,
    ("PO-7", 1): 100,
}


def _check_store(engine: Engine) -> None:
    received = {
        (order.reference, line.line): line.received for order in engine.purchase_orders() for line in order.lines
    }
    assert received == EXPECTED_RECEIVED
    for (reference, line), quantity in EXPECTED_RECEIVED.items():
        assert engine.store.received_on_line(reference, line) == quantity
    for raw, _outcome in SHIPMENT[:6]:
        scanned = engine.scan(raw)
        assert scanned.stock_item is not None, raw
        assert scanned.item is not None and scanned.item.type == "stockitem"
        assert scanned.stock_item.barcode_hash == scanned.barcode.barcode_hash
    locations = {engine.scan(raw).stock_item.location for raw, _ in SHIPMENT[:6]}  # type: ignore[union-attr]
    assert locations == {"shelf A1", "shelf B1", "drawer 3", "drawer 4", "bin 7"}


@pytest.fixture
def orders_file(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS_CSV)
    return path


def test_shipment_through_the_python_api(make_engine: Callable[..., Engine], orders_file: Path) -> None:
    engine = make_engine()
    engine.import_purchase_orders(orders_file)
    outcomes = [engine.receive(raw).status for raw, _ in SHIPMENT]
    assert outcomes == [expected for _, expected in SHIPMENT]
    _check_store(engine)


def test_shipment_through_the_cli(run_cli: Callable[..., subprocess.CompletedProcess[bytes]], tmp_path: Path,
                                  orders_file: Path) -> None:  # fmt: skip
    db = tmp_path / "bench.db"
    assert run_cli("po", "import", str(orders_file), db=db).returncode == 0
    scans = tmp_path / "shipment.txt"
    scans.write_bytes(b"".join(raw.encode() + b"\n" for raw, _ in SHIPMENT))
    result = run_cli("receive", "--json", "--file", str(scans), db=db)
    outcomes = [json.loads(line)["status"] for line in result.stdout.splitlines()]
    assert outcomes == [expected for _, expected in SHIPMENT]
    assert result.returncode == 1  # some scans were refused
    summary = run_cli("receive", str(scans), db=db).stdout.decode()  # receive FILE, as the contract writes it
    counts = Counter(expected for _, expected in SHIPMENT)
    assert f"already received  {counts['received'] + counts['already_received']}" in summary
    assert "over receipt      1" in summary and "no match          1" in summary
    shown = json.loads(run_cli("po", "show", "--json", "PO-DK-1", db=db).stdout)
    assert [(line["received"], line["outstanding"]) for line in shown["lines"]] == [(25, 75), (0, 10)]
    with Engine(db) as engine:
        _check_store(engine)


def test_four_batch_processes_and_the_http_server_book_each_label_exactly_once(tmp_path: Path) -> None:
    """Four ``receive --file`` processes and ``serve`` receiving over HTTP, at the same time on one store file,
    every one of them given all the labels (in its own order): each label is received by exactly one of them."""
    import random
    import threading

    from conftest import cli_path
    from http_server import Server, make_token

    from barcode_plugins import PurchaseOrder, PurchaseOrderLine

    labels = [f"[)>{RS}06{GS}KPO-7{GS}1PLM358DR{GS}Q{1 + n % 7}{GS}1TLOT-{n:04d}{RS}{EOT}" for n in range(120)]
    db = tmp_path / "shop.db"
    with Engine(db) as engine:
        line = PurchaseOrderLine("PO-7", 1, mpn="LM358DR", quantity=10_000)
        engine.import_purchase_orders([PurchaseOrder("PO-7", "Farnell", None, "placed", (line,))])
    token = make_token(db)
    files = []
    for k in range(4):
        shuffled = random.Random(k).sample(labels, len(labels))
        files.append(tmp_path / f"shipment-{k}.txt")
        files[-1].write_text("\n".join(shuffled) + "\n")
    http_outcomes: Counter[str] = Counter()
    with Server(db) as server:

        def over_http() -> None:
            for raw in random.Random(99).sample(labels, len(labels)):
                status, body = server.request("POST", "/api/barcode/po-receive/", {"barcode": raw}, token=token)
                http_outcomes[f"{status} {body['status']}"] += 1

        client = threading.Thread(target=over_http)
        batches = [
            subprocess.Popen([cli_path(), "--db", str(db), "receive", "--json", "--file", str(path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for path in files
        ]  # fmt: skip
        client.start()
        outputs = [process.communicate(timeout=300) for process in batches]
        client.join(timeout=300)
    batch_outcomes = Counter(json.loads(line)["status"] for out, _ in outputs for line in out.splitlines())
    assert set(batch_outcomes) <= {"received", "already_received"}, batch_outcomes
    assert set(http_outcomes) <= {"200 received", "409 already_received"}, http_outcomes
    assert sum(http_outcomes.values()) == len(labels) and sum(batch_outcomes.values()) == 4 * len(labels)
    assert batch_outcomes["received"] + http_outcomes["200 received"] == len(labels)  # each exactly once
    with Engine(db) as engine:
        assert engine.purchase_order("PO-7").lines[0].received == sum(1 + n % 7 for n in range(120))
        assert len(engine.history(limit=10_000, action="receive")) == 5 * len(labels)
