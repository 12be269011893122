"""The engine through its Python API: decode, scan, link, unlink, and the bad input it must refuse."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sample_labels import DIGIKEY, EOT, GENERIC_ECIA, GS, RS

from barcode_plugins import (
    AlreadyLinked,
    AmbiguousBarcode,
    BarcodeError,
    Decoded,
    Engine,
    InputError,
    InternalBarcodeError,
    ItemRef,
    NotLinked,
    StoreError,
    hookimpl,
)
from barcode_plugins.models import unstructure
from barcode_plugins.testing.contract import CONTRACT_KEYS


def test_decode_fills_every_contract_key(engine: Engine) -> None:
    decoded = engine.decode(GENERIC_ECIA)
    document = unstructure(decoded)
    assert set(document) >= set(CONTRACT_KEYS)
    assert decoded.raw == GENERIC_ECIA
    assert len(decoded.barcode_hash) == 64
    assert decoded.kind == "supplier"
    assert (decoded.manufacturer_part_number, decoded.quantity, decoded.lot_code) == ("LM358DR", 100, "2319ABC")
    assert list(decoded.fields) == ["K", "1P", "Q", "1T", "10D", "4L"]


def test_unknown_text_is_external_with_a_stable_hash(engine: Engine) -> None:
    first, second = engine.decode("ABC-123"), engine.decode("ABC-123\r\n")
    assert first.kind == "external" and first.plugin is None
    assert first.barcode_hash == second.barcode_hash
    assert engine.decode("ABC-124").barcode_hash != first.barcode_hash


def test_same_label_same_hash_however_scanned(engine: Engine) -> None:
    camera = engine.decode(GENERIC_ECIA)
    pictures = GENERIC_ECIA.replace(GS, "\u241d").replace(RS, "\u241e").replace(EOT, "\u2404")
    no_trailer = GENERIC_ECIA.removesuffix(RS + EOT)
    for form in (pictures, no_trailer, f"  {GENERIC_ECIA}\r\n", f"]d2{GENERIC_ECIA}"):
        assert engine.decode(form).barcode_hash == camera.barcode_hash, repr(form)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "empty"),
        ("   \t ", "empty"),
        ("x" * 1_000_000, "at most"),
        ("AB\x00CD", "NUL"),
        (f"{GS}{GS}{RS}{EOT}", "only separators"),
        ("\u241d\u241e", "only separators"),
    ],
)
def test_bad_scans_are_typed_errors(engine: Engine, raw: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        engine.decode(raw)
    assert fragment in str(caught.value)


@pytest.mark.parametrize("raw", ['{"widget": 42}', '{"stockitem": "forty-two"}', '{"stockitem": 1.5}'])
def test_internal_looking_json_with_bad_content_is_refused(engine: Engine, raw: str) -> None:
    with pytest.raises(InternalBarcodeError):
        engine.decode(raw)


def test_decode_never_touches_the_store(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "never.db")
    engine.decode(DIGIKEY)
    assert not (tmp_path / "never.db").exists()


def test_link_scan_unlink_survive_a_restart(make_engine: Callable[..., Engine]) -> None:
    first = make_engine()
    link = first.link("VENDOR-REEL-0001", "part:42")
    assert link.item == ItemRef("part", "42")
    first.close()

    second = make_engine()
    scanned = second.scan("VENDOR-REEL-0001\n")
    assert scanned.item == ItemRef("part", "42") and scanned.link is not None
    assert second.links("part:42")[0].raw == "VENDOR-REEL-0001"
    removed = second.unlink("VENDOR-REEL-0001")
    assert [gone.item for gone in removed] == [ItemRef("part", "42")]
    second.close()

    third = make_engine()
    assert third.scan("VENDOR-REEL-0001").item is None
    kinds = [entry.action for entry in third.history()]
    assert kinds[:3] == ["scan", "unlink", "scan"] and "link" in kinds


def test_wedge_mangled_scan_finds_the_camera_link(engine: Engine) -> None:
    engine.link(GENERIC_ECIA, "part:7")
    wedge = GENERIC_ECIA.replace(GS, "^]").replace(RS, "^^").replace(EOT, "") + "\r\n"
    assert engine.scan(wedge).item == ItemRef("part", "7")


def test_one_barcode_one_item_but_items_take_many(engine: Engine) -> None:
    engine.link("REEL-LABEL", "part:1")
    engine.link("BAG-LABEL", "part:1")
    assert engine.link("REEL-LABEL", "part:1").item == ItemRef("part", "1")  # no-op
    with pytest.raises(AlreadyLinked) as caught:
        engine.link("REEL-LABEL", "part:2")
    assert "part:1" in str(caught.value)
    assert len(engine.links("part:1")) == 2
    assert len(engine.unlink(item="part:1")) == 2
    with pytest.raises(NotLinked):
        engine.unlink(item="part:1")
    with pytest.raises(NotLinked):
        engine.unlink("REEL-LABEL")


def test_internal_barcodes_need_no_link(engine: Engine) -> None:
    with pytest.raises(InputError):
        engine.link('{"stockitem": 4}', "stockitem:5")
    assert engine.scan('{"stockitem": 4}').item == ItemRef("stockitem", "4")


SQL_TEXT = "'; DROP TABLE links; --\" OR 1=1 /* %_ \\"


def test_sql_metacharacters_are_just_text(engine: Engine) -> None:
    raw = f"[)>{RS}06{GS}K{SQL_TEXT}{GS}1P{SQL_TEXT}{GS}Q1{RS}{EOT}"
    decoded = engine.decode(raw)
    assert decoded.purchase_order == SQL_TEXT and decoded.manufacturer_part_number == SQL_TEXT
    engine.link(raw, "purchaseorder:PO-1")
    engine.link(SQL_TEXT, "part:1")
    assert engine.scan(raw).item == ItemRef("purchaseorder", "PO-1")
    assert engine.scan(SQL_TEXT).item == ItemRef("part", "1")
    assert engine.store.count_links() == 2
    assert engine.history(10)[0].raw == SQL_TEXT


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "no" / "such" / "dir" / "x.db")
    with pytest.raises(StoreError, match="does not exist"):
        engine.link("ABC", "part:1")
    assert not (tmp_path / "no").exists()


def read_only_directory(tmp_path: Path) -> Path:
    """A directory nobody here can create files in: chmod 500, or /proc when running as root (CI does)."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/proc")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    return locked


def test_read_only_directory_is_a_clear_error(tmp_path: Path) -> None:
    directory = read_only_directory(tmp_path)
    try:
        with pytest.raises(StoreError, match="cannot"):
            Engine(directory / "x.db").link("ABC", "part:1")
    finally:
        directory.chmod(0o700) if directory != Path("/proc") else None


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is my shopping list, not a database\n" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a barcode-plugins database"):
        Engine(path).link("ABC", "part:1")
    assert path.read_bytes() == before


def test_another_applications_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY)")
    with pytest.raises(StoreError, match="another application"):
        Engine(path).scan("ABC")


class _Raiser:
    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        raise RuntimeError("boom")


class _Greedy:
    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        return Decoded(plugin="greedy", kind="supplier", supplier="Greedy")


def test_a_raising_plugin_is_recorded_and_decoding_goes_on(engine: Engine, register_plugin) -> None:  # type: ignore[no-untyped-def]
    register_plugin(_Raiser(), "raiser")
    decoded = engine.decode(GENERIC_ECIA)
    assert decoded.kind == "supplier" and decoded.plugin == "ecia"
    failure = engine.plugins.failures[-1]
    assert (failure.plugin, failure.hook) == ("raiser", "decode") and "boom" in failure.error
    info = {i.name: i for i in engine.plugins.plugin_infos()}["raiser"]
    assert info.status == "loaded" and "boom" in (info.error or "")


def test_two_specific_plugins_claiming_one_scan_is_ambiguous(engine: Engine, register_plugin) -> None:  # type: ignore[no-untyped-def]
    register_plugin(_Greedy(), "greedy")
    register_plugin(_Greedy(), "greedy2")
    with pytest.raises(AmbiguousBarcode) as caught:
        engine.decode("anything")
    assert {"greedy", "greedy2"} <= set(caught.value.candidates)
    assert isinstance(caught.value, BarcodeError)


def test_specific_decoders_win_over_the_generic_fallback(engine: Engine, register_plugin) -> None:  # type: ignore[no-untyped-def]
    register_plugin(_Greedy(), "greedy")
    assert engine.decode(GENERIC_ECIA).plugin == "greedy"


def test_run_together_digikey_label_is_recovered(engine: Engine) -> None:
    dropped = DIGIKEY.replace(GS, "").replace(RS, "")
    decoded = engine.decode(dropped)
    assert decoded.barcode_hash == engine.decode(DIGIKEY).barcode_hash
    assert decoded.plugin == "digikey" and decoded.supplier_part_number == "497-1234-1-ND"


def test_run_together_label_that_reads_many_ways_is_ambiguous_not_guessed(engine: Engine) -> None:
    # 1P could be "0T0", or "0" followed by T = "0": nothing tells which; and there are more readings than listed.
    with pytest.raises(AmbiguousBarcode) as caught:
        engine.decode("[)>06PACME-S01P0T0Q1")
    assert len(caught.value.candidates) > 1
    with pytest.raises(AmbiguousBarcode):
        engine.decode(GENERIC_ECIA.replace(GS, "").replace(RS, "").replace(EOT, ""))


def test_run_together_label_with_an_element_the_supplier_profile_lacks_is_not_misread(engine: Engine) -> None:
    # A Mouser label with a lot code after the manufacturer: the Mouser profile alone would read the manufacturer
    # as "Littelfuse Inc.1TBBBBBB" and lose the lot. The scan must be refused, not decoded differently.
    clean = f"[)>{RS}06{GS}KPO-0042{GS}14K003{GS}1PNE555DR{GS}Q50{GS}4LMY{GS}1VLittelfuse Inc.{GS}1TLOT42{RS}{EOT}"
    assert engine.decode(clean).lot_code == "LOT42"
    with pytest.raises(AmbiguousBarcode):
        engine.decode(clean.replace(GS, "").replace(RS, "").replace(EOT, ""))


def test_a_malformed_order_file_is_refused_before_the_store_is_opened(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text("reference,supplier\nPO-1,acme\n", encoding="utf-8")
    engine = Engine(tmp_path / "never.db")
    with pytest.raises(InputError, match=r"orders\.csv"):
        engine.import_purchase_orders(orders)
    assert not (tmp_path / "never.db").exists()


def test_a_label_for_an_item_no_plugin_checks_opens_no_store(tmp_path: Path) -> None:
    # The read handle given to item_exists opens the store only if a plugin asks for its connection.
    engine = Engine(tmp_path / "never.db")
    assert engine.decode(engine.label("part:7")).item == ItemRef("part", "7")
    assert not (tmp_path / "never.db").exists()
    with pytest.raises(BarcodeError):
        engine.label("stockitem:99")  # the default item_exists looks this one up: the store opens
    assert (tmp_path / "never.db").exists()
    engine.close()
