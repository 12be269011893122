"""Receiving's defects found by issue 12: exact quantities, ids never reused, undo that names one receipt,
another bag like this one, orders that complete and reopen, bounded history."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sample_labels import EOT, GS, RS

from barcode_plugins import Engine, InputError, NotFound, PurchaseOrder, PurchaseOrderLine
from barcode_plugins.cli import _register_commands, cli
from barcode_plugins.quantities import QuantityError


def ecia(*elements: str) -> str:
    """A generic vendor's EIGP-114 label (no supplier plugin claims it)."""
    return f"[)>{RS}06{GS}" + GS.join(elements) + f"{RS}{EOT}"


def order(quantity: object = 100, reference: str = "PO-7", lines: int = 1) -> PurchaseOrder:
    return PurchaseOrder(
        reference,
        "Farnell",
        None,
        "placed",
        tuple(
            PurchaseOrderLine(reference, n, mpn=f"PART-{n}", quantity=quantity)  # type: ignore[arg-type]
            for n in range(1, lines + 1)
        ),
    )


@pytest.fixture(autouse=True)
def _commands() -> None:
    _register_commands()  # what main() does before the in-process runner can see the commands


@pytest.fixture
def bench(make_engine: object) -> Engine:
    engine: Engine = make_engine()  # type: ignore[operator]
    engine.import_purchase_orders([order()])
    return engine


def test_three_bags_of_a_tenth_fill_a_line_of_three_tenths(make_engine: object) -> None:
    engine: Engine = make_engine()  # type: ignore[operator]
    engine.import_purchase_orders([order("0.3")])
    outcomes = [engine.receive(ecia("1PPART-1", "Q0.1", f"1TLOT-{n}")) for n in range(3)]
    assert [result.status for result in outcomes] == ["received"] * 3
    assert outcomes[-1].outstanding == 0 and "0 outstanding" in outcomes[-1].message
    line = engine.purchase_order("PO-7").lines[0]
    assert line.received == Decimal("0.3") and line.outstanding == 0


def test_ten_tenths_are_exactly_one(make_engine: object) -> None:
    engine: Engine = make_engine()  # type: ignore[operator]
    engine.import_purchase_orders([order(2)])
    for n in range(10):
        assert engine.receive(ecia("1PPART-1", "Q0.1", f"1TLOT-{n}")).status == "received"
    line = engine.purchase_order("PO-7").lines[0]
    assert line.received == 1 and type(line.received) is int and line.outstanding == 1
    assert engine.store.received_on_line("PO-7", 1) == 1


@pytest.mark.parametrize("printed", ["99999999999999999999", "9223372036854775807", "1000000000000"])
def test_a_label_quantity_beyond_the_bounds_is_an_error_outcome(bench: Engine, printed: str) -> None:
    result = bench.receive(ecia("1PPART-1", f"Q{printed}", "1TX"), allow_over=True)
    assert result.status == "error" and "too large" in result.message
    assert bench.purchase_order("PO-7").lines[0].received == 0
    assert bench.history(1)[0].status == "error"


@pytest.mark.parametrize("given", [float("inf"), float("nan"), "1e400", 10**20, 0, -1, "0.0000001"])
def test_a_bad_quantity_argument_is_a_typed_refusal(bench: Engine, given: object) -> None:
    with pytest.raises(QuantityError):
        bench.receive(ecia("1PPART-1", "1TX"), quantity=given, allow_over=True)  # type: ignore[arg-type]
    assert bench.purchase_order("PO-7").lines[0].received == 0


@pytest.mark.parametrize("given", ["inf", "nan", "1e400", "-5"])
def test_cli_quantity_out_of_bounds_is_a_one_line_usage_error(tmp_path: Path, given: str) -> None:
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "x.db"), "receive", "--quantity", given, "--allow-over", "X"]
    )
    assert result.exit_code == 2 and "quantity" in result.output and "Traceback" not in result.output


def test_a_batch_never_stops_on_a_bad_scan_and_prints_its_summary(tmp_path: Path) -> None:
    db = str(tmp_path / "batch.db")
    with Engine(db) as engine:
        engine.import_purchase_orders([order(100)])
    scans = tmp_path / "scans.txt"
    scans.write_text(
        "\n".join([ecia("1PPART-1", "Q99999999999999999999", "1TA"), ecia("1PPART-1", "Q5", "1TB")]) + "\n"
    )
    result = CliRunner().invoke(cli, ["--db", db, "receive", "--file", str(scans)])
    assert "error" in result.output and "received 5 on PO-7 line 1" in result.output
    assert "total" in result.output  # the summary table
    assert result.exit_code == 2 and "1 of 2 scan(s) were not received" in result.output


def test_json_quantities_are_json_numbers(make_engine: object, tmp_path: Path) -> None:
    engine: Engine = make_engine()  # type: ignore[operator]
    engine.import_purchase_orders([order("0.3")])
    engine.close()
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "store.db"), "receive", "--json", ecia("1PPART-1", "Q0.1", "1TA")]
    )
    document = json.loads(result.output)
    assert document["quantity"] == 0.1 and document["outstanding"] == 0.2
    assert '"quantity": 0.1' in result.output and '"barcode": {' in result.output


def test_stock_item_and_history_ids_are_never_reused(bench: Engine) -> None:
    first = bench.receive(ecia("1PPART-1", "Q5", "1TA"))
    bench.undo_receipt(first.history_id or 0)
    second = bench.receive(ecia("1PPART-1", "Q6", "1TB"))
    assert second.stock_item is not None and first.stock_item is not None
    assert second.stock_item > first.stock_item
    with pytest.raises(NotFound):
        bench.stock_item(first.stock_item)
    # history ids after the newest one was deleted by hand would be reused without AUTOINCREMENT
    newest = bench.history(1)[0].id
    with bench.store.transaction():
        bench.store.db.execute("DELETE FROM history WHERE id = ?", [newest])
    assert bench.receive(ecia("1PPART-1", "Q1", "1TC")).history_id > newest  # type: ignore[operator]


def test_undo_by_history_id_undoes_exactly_that_receipt(bench: Engine) -> None:
    label = ecia("1PPART-1", "Q5", "1TA")
    first = bench.receive(label)
    bench.undo_receipt(first.history_id or 0)
    second = bench.receive(label)  # the same label received again, later
    assert second.status == "received"
    with pytest.raises(NotFound, match="already undone"):
        bench.undo_receipt(first.history_id or 0)
    assert bench.purchase_order("PO-7").lines[0].received == 5  # the newer receipt stands
    assert bench.undo_receipt(str(second.history_id)).stock_item == second.stock_item


def test_undo_messages_name_what_is_wrong(bench: Engine) -> None:
    with pytest.raises(NotFound, match="no history entry 999"):
        bench.undo_receipt(999)
    scan = bench.scan(ecia("1PPART-1", "Q5", "1TA"))
    with pytest.raises(NotFound, match="is not a receipt"):
        bench.undo_receipt(bench.history(1)[0].id)
    with pytest.raises(NotFound, match="99999999"):
        bench.undo_receipt("9" * 25)  # not an OverflowError
    with pytest.raises(NotFound, match="no history entry"):
        bench.undo_receipt(2**70)
    with pytest.raises(InputError, match="neither a history id nor a barcode hash"):
        bench.undo_receipt("abc")
    with pytest.raises(NotFound, match="nothing received"):
        bench.undo_receipt(scan.barcode.barcode_hash[:12])


def test_undo_accepts_the_hash_prefix_link_prints(bench: Engine) -> None:
    received = bench.receive(ecia("1PPART-1", "Q5", "1TA"))
    assert received.barcode is not None
    prefix = received.barcode.barcode_hash[:12]
    assert bench.undo_receipt(prefix.upper()).stock_item == received.stock_item
    with pytest.raises(NotFound, match="already undone"):
        bench.undo_receipt(prefix)


def test_another_bag_like_this_one(bench: Engine) -> None:
    label = ecia("1PPART-1", "Q10", "1TSAME-LOT")
    first = bench.receive(label)
    assert bench.receive(label).status == "already_received"  # an accidental double scan books nothing
    second = bench.receive(label, another=True)
    third = bench.receive(label, another=True)
    assert [second.status, third.status] == ["received", "received"]
    assert len({first.stock_item, second.stock_item, third.stock_item}) == 3
    assert bench.purchase_order("PO-7").lines[0].received == 30
    bench.undo_receipt(second.history_id or 0)  # undo per receipt
    assert bench.stock_item(first.stock_item or 0).quantity == 10
    assert bench.stock_item(third.stock_item or 0).quantity == 10
    assert bench.purchase_order("PO-7").lines[0].received == 20
    assert bench.store.received_on_line("PO-7", 1) == 20


def test_cli_receive_another(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    with Engine(db) as engine:
        engine.import_purchase_orders([order(100)])
    label = ecia("1PPART-1", "Q10", "1TSAME-LOT")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "receive", label]).exit_code == 0
    assert runner.invoke(cli, ["--db", db, "receive", label]).exit_code == 1
    again = runner.invoke(cli, ["--db", db, "receive", "--another", label])
    assert again.exit_code == 0 and "received 10" in again.output


def test_orders_complete_when_every_line_is_received_and_reopen_on_undo(make_engine: object) -> None:
    engine: Engine = make_engine()  # type: ignore[operator]
    engine.import_purchase_orders([order(10, lines=2)])
    engine.receive(ecia("1PPART-1", "Q10", "1TA"))
    assert engine.purchase_order("PO-7").status == "placed"
    last = engine.receive(ecia("1PPART-2", "Q10", "1TB"))
    assert engine.purchase_order("PO-7").status == "complete"
    assert [o.reference for o in engine.purchase_orders("complete")] == ["PO-7"]
    engine.undo_receipt(last.history_id or 0)
    assert engine.purchase_order("PO-7").status == "placed"


def test_a_complete_line_is_not_asked_for_a_quantity(bench: Engine) -> None:
    bench.receive(ecia("1PPART-1", "Q100", "1TA"))
    result = bench.receive(ecia("1PPART-1", "1TB"))  # no quantity on the label
    assert result.status == "over_receipt" and "complete" in result.message
    assert bench.receive(ecia("1PPART-1", "1TC"), allow_over=True).status == "needs_quantity"


def test_an_allowed_over_receipt_shows_in_po_show_and_list(tmp_path: Path) -> None:
    db = str(tmp_path / "o.db")
    with Engine(db) as engine:
        engine.import_purchase_orders([order(10)])
        engine.receive(ecia("1PPART-1", "Q10", "1TA"))
        over = engine.receive(ecia("1PPART-1", "Q4", "1TB"), allow_over=True)  # the order is complete already
    assert over.status == "received" and "4 over the order" in over.message
    shown = CliRunner().invoke(cli, ["--db", db, "po", "show", "PO-7"]).output
    assert "over" in shown.splitlines()[1] and shown.splitlines()[-1].split()[:5] == ["1", "PART-1", "10", "14", "0"]
    listed = CliRunner().invoke(cli, ["--db", db, "po", "list"]).output
    assert "over" in listed.splitlines()[0] and listed.splitlines()[-1].split()[-1] == "4"
    as_json = json.loads(CliRunner().invoke(cli, ["--db", db, "po", "show", "--json", "PO-7"]).output)
    assert as_json["lines"][0]["over_received"] == 4


def test_history_keeps_a_bounded_part_of_a_huge_scan(bench: Engine) -> None:
    huge = "A" * 5_000_000
    assert bench.receive(huge).status == "error"
    stored = bench.history(1)[0].raw
    assert len(stored) < 9000 and "5,000,000 characters" in stored


def test_huge_stock_item_numbers_are_not_overflow_errors(bench: Engine) -> None:
    result = bench.scan("bp:stockitem:" + "9" * 20)
    assert result.stock_item is None
    with pytest.raises(NotFound):
        bench.stock_item(10**30)


def test_a_line_of_an_order_closed_short_takes_no_receipt(make_engine: object) -> None:
    engine: Engine = make_engine()  # type: ignore[operator]
    closed = order(10)
    engine.import_purchase_orders([PurchaseOrder(closed.reference, "Farnell", None, "complete", closed.lines)])
    assert engine.receive(ecia("1PPART-1", "Q5", "1TA")).status == "no_match"
    assert engine.purchase_order("PO-7").lines[0].received == 0


def test_the_progress_count_reads_a_file_without_newlines_in_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import tracemalloc

    from barcode_plugins.cli.receiving import _count_lines

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    blob = tmp_path / "blob.txt"
    blob.write_bytes(b"A" * 12_000_000)  # one 12 MB "line"
    tracemalloc.start()
    try:
        assert _count_lines(blob) == 1
        assert tracemalloc.get_traced_memory()[1] < 4_000_000
    finally:
        tracemalloc.stop()
    assert _count_lines(Path("/dev/zero")) is None  # a device is never counted (it never ends)
    scans = tmp_path / "scans.txt"
    scans.write_bytes(b"a\nb\nc")
    assert _count_lines(scans) == 3


def test_a_line_filled_by_tenths_shows_whole_zeroes(make_engine: object) -> None:
    engine: Engine = make_engine()  # type: ignore[operator]
    engine.import_purchase_orders([order("0.2")])
    engine.receive(ecia("1PPART-1", "Q0.1", "1TA"))
    last = engine.receive(ecia("1PPART-1", "Q0.1", "1TB"))
    assert "0 outstanding" in last.message and "0.0" not in last.message
    line = engine.purchase_order("PO-7").lines[0]
    assert type(line.outstanding) is int and type(line.over_received) is int
