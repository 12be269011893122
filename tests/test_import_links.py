"""Bulk link import (``Engine.import_links``): in one transaction, every row checked first, across worker processes
for large batches with the same result as in one process."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sample_labels import DIGIKEY, GS, MOUSER, RS

from barcode_plugins import Decoded, Engine, InputError, ItemRef, hookimpl
from barcode_plugins.actions import bulk


def _rows(count: int) -> list[tuple[str, str]]:
    # Distinct Digi-Key labels (the lot code varies), unknown asset tags, and a wedge-damaged form now and then.
    rows = []
    for number in range(count):
        if number % 3 == 0:
            raw = DIGIKEY.replace(f"{GS}4LCN", f"{GS}1TLOT{number}{GS}4LCN")
            if number % 9 == 0:
                raw = raw.replace(GS, "<GS>").replace(RS, "<RS>")
        elif number % 3 == 1:
            raw = f"ASSET-{number:07d}"
        else:
            raw = f"{MOUSER[:-2]}{GS}1TLOT{number}{RS}\x04"
        rows.append((raw, f"stockitem:{number + 1}"))
    return rows


def test_rows_are_linked_under_the_keys_a_scan_finds(engine: Engine) -> None:
    rows = _rows(30)
    assert engine.import_links(rows) == 30
    for raw, item in rows:
        assert engine.scan(raw).item == ItemRef.parse(item)
    assert engine.history(1, action="link_import")[0].message == "30 link(s) added, 0 already linked"


def test_keys_already_linked_are_skipped_and_counted(engine: Engine) -> None:
    rows = _rows(10)
    engine.link(rows[0][0], "part:99")
    assert engine.import_links(rows) == 9
    assert engine.scan(rows[0][0]).item == ItemRef("part", "99")  # the earlier link stands
    assert engine.import_links(rows) == 0
    assert "0 link(s) added, 10 already linked" in (engine.history(1)[0].message or "")


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (("ASSET-1", "not-an-item"), "row 3: item reference"),
        (('{"stockitem": 5}', "part:1"), "row 3: an internal barcode for stockitem:5 needs no link"),
        (("", "part:1"), "row 3: empty scan"),
        (("[)>" + RS + "06" + "KPO-1" + "1PABC" + "Q5", "part:1"), "row 3: "),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(engine: Engine, bad: tuple[str, str], fragment: str) -> None:
    rows = [*_rows(2), bad, *_rows(4)[2:]]
    with pytest.raises(InputError, match=fragment.replace("(", r"\(")):
        engine.import_links(rows)
    assert engine.store.count_links() == 0


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """Make small batches use worker processes; returns how many the machine allows (1: no fork here)."""
    monkeypatch.setattr(bulk, "PARALLEL_MIN_ROWS", 10)
    return bulk._processes


def test_workers_give_the_same_links_as_one_process(make_engine: Callable[..., Engine], parallel) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(120)
    single = make_engine("single.db")
    assert single.import_links(rows) == 120
    many = make_engine("many.db")
    raws = [raw for raw, _ in rows]
    assert bulk.link_keys(many.decoder, many.plugins, raws) == bulk._key_rows(single.decoder, raws)
    assert many.import_links(rows) == 120
    assert single.store.links_for(ItemRef("stockitem", "7"))[0].link_key == (
        many.store.links_for(ItemRef("stockitem", "7"))[0].link_key
    )


def test_workers_report_the_first_bad_row(engine: Engine, parallel) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(60)
    rows[41] = ('{"part": 3}', "stockitem:1")
    rows[50] = ("", "stockitem:1")
    with pytest.raises(InputError, match="row 42: an internal barcode"):
        engine.import_links(rows)
    assert engine.store.count_links() == 0


class _Flaky:
    """Raises on one asset tag: the failure happens in a worker and must still be reported by the engine."""

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        if text == "ASSET-0000013":
            raise RuntimeError("flaky")
        return None


def test_plugin_failures_in_workers_are_recorded(engine: Engine, register_plugin, parallel) -> None:  # type: ignore[no-untyped-def]
    register_plugin(_Flaky(), "flaky")
    assert engine.import_links(_rows(30)) == 30
    assert [failure.plugin for failure in engine.plugins.failures] == ["flaky"]


def _csv(rows: list[tuple[str, str]]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["raw", "item"])
    writer.writerows(rows)
    return out.getvalue()


def test_cli_links_a_csv_file_all_or_nothing(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    rows = _rows(12)
    good = tmp_path / "links.csv"
    good.write_text(_csv(rows) + "\n", encoding="utf-8")  # control characters quoted by the csv module
    result = run_cli("link", "--json", "--file", str(good))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"rows": 12, "added": 12, "already_linked": 0}
    scanned = json.loads(run_cli("scan", "--json", rows[4][0]).stdout)
    assert scanned["item"] == "stockitem:5"

    bad = tmp_path / "bad.csv"
    bad.write_text(_csv([("NEW-TAG-1", "part:1"), ("NEW-TAG-2", "nonsense")]), encoding="utf-8")
    refused = run_cli("link", "--file", str(bad))
    assert refused.returncode == 2
    assert f"{bad} line 3: item reference" in refused.stderr.decode()
    assert "Traceback" not in refused.stderr.decode()
    assert json.loads(run_cli("scan", "--json", "NEW-TAG-1").stdout)["item"] is None  # nothing was written

    from_stdin = run_cli("link", "--file", "-", input=_csv([("NEW-TAG-1", "part:1")]))
    assert from_stdin.returncode == 0 and b"linked 1 of 1" in from_stdin.stdout


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("", "line 1: expected the header raw,item, found nothing"),
        ("barcode,item\nX,part:1\n", "line 1: expected the header raw,item, found barcode,item"),
        ("raw,item\nX,part:1,extra\n", "line 2: expected 2 values"),
        ('raw,item\n"X,part:1\n', "line"),
    ],
)
def test_cli_refuses_a_malformed_link_file(run_cli_in_process, tmp_path, content: str, fragment: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "links.csv"
    path.write_text(content, encoding="utf-8")
    result = run_cli_in_process("link", "--file", str(path))
    assert result.returncode == 2
    assert fragment in result.stderr.decode() and "Traceback" not in result.stderr.decode()


def test_cli_link_wants_raw_and_item_or_a_file(run_cli_in_process) -> None:  # type: ignore[no-untyped-def]
    assert run_cli_in_process("link", "ONLY-RAW").returncode == 2
    assert run_cli_in_process("link", "A", "part:1", "--file", "x.csv").returncode == 2
    assert b"cannot read" in run_cli_in_process("link", "--file", "/nonexistent/links.csv").stderr


class _DiesInWorkers:
    """Kills the worker process that decodes one tag (as the out-of-memory killer would); harmless in the parent."""

    def __init__(self) -> None:
        self.parent = os.getpid()

    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        if text == "ASSET-0000022" and os.getpid() != self.parent:
            os._exit(1)
        return None


def test_a_worker_that_dies_does_not_hang_the_import(engine: Engine, register_plugin, parallel) -> None:  # type: ignore[no-untyped-def]
    register_plugin(_DiesInWorkers(), "dies")
    rows = _rows(40)
    assert engine.import_links(rows) == 40  # decoded again in this process
    assert engine.scan(rows[22][0]).item == ItemRef("stockitem", "23")


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make imports of more than 7 rows go through the TEMP staging table."""
    monkeypatch.setattr(bulk, "IMPORT_BATCH_ROWS", 7)


def _staging_tables(engine: Engine) -> list[str]:
    return [row[0] for row in engine.store.db.conn.execute("SELECT name FROM sqlite_temp_master WHERE type='table'")]


def test_a_long_import_is_staged_and_gives_the_same_links(make_engine: Callable[..., Engine], small_batches) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(30)
    staged = make_engine("staged.db")
    staged.link(rows[3][0], "part:1")  # already linked: skipped, counted
    assert staged.import_links(iter(rows)) == 29  # a stream, not a list
    assert staged.scan(rows[29][0]).item == ItemRef("stockitem", "30")
    assert staged.scan(rows[3][0]).item == ItemRef("part", "1")
    assert staged.history(1, action="link_import")[0].message == "29 link(s) added, 1 already linked"
    assert _staging_tables(staged) == []


def test_a_bad_row_in_a_later_batch_writes_nothing(engine: Engine, small_batches) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(30)
    rows[24] = ("", "part:1")
    with pytest.raises(InputError, match="row 25: empty scan"):
        engine.import_links(rows)
    assert engine.store.count_links() == 0
    assert _staging_tables(engine) == []


def test_staging_holds_no_lock_on_the_store(make_engine: Callable[..., Engine], small_batches) -> None:  # type: ignore[no-untyped-def]
    importer, station = make_engine("shared.db"), make_engine("shared.db")
    station.link("STATION-TAG", "part:5")  # create the schema before the import starts

    def rows_while_a_station_writes():  # type: ignore[no-untyped-def]
        for number, row in enumerate(_rows(30)):
            if number == 20:  # two batches are staged by now
                station.link("STATION-TAG-2", "part:6")  # would wait for the lock and fail if one were held
            yield row

    assert importer.import_links(rows_while_a_station_writes()) == 30
    assert station.scan("STATION-TAG-2").item == ItemRef("part", "6")


def test_a_semicolon_or_windows_1252_link_file_gets_a_hint(run_cli_in_process, tmp_path) -> None:  # type: ignore[no-untyped-def]
    semicolons = tmp_path / "semi.csv"
    semicolons.write_text("raw;item\nX;part:1\n", encoding="utf-8")
    result = run_cli_in_process("link", "--file", str(semicolons))
    assert result.returncode == 2 and "looks separated by ';'" in result.stderr.decode()
    cp1252 = tmp_path / "cp1252.csv"
    cp1252.write_bytes("raw,item\nX,part:1\nÄrger,part:2\n".encode("cp1252"))
    result = run_cli_in_process("link", "--file", str(cp1252))
    message = result.stderr.decode()
    assert result.returncode == 2 and message.count("line 3") == 1 and "Windows-1252" in message


def test_link_file_errors_name_the_physical_line_after_multi_line_fields(tmp_path: Path) -> None:
    from barcode_plugins.files.link_files import open_link_file

    path = tmp_path / "links.csv"
    path.write_text('raw,item\n"two\nlines",part:1\n\n"three\n\nlines",part:2\nX,nonsense\n', encoding="utf-8")
    rows, names = open_link_file(path)
    assert list(rows) == [("two\nlines", "part:1"), ("three\n\nlines", "part:2"), ("X", "nonsense")]
    assert [names(index) for index in range(3)] == [f"{path} line {n}" for n in (2, 5, 8)]


def test_a_link_file_line_without_end_is_refused(tmp_path: Path) -> None:
    from barcode_plugins.files.link_files import open_link_file

    path = tmp_path / "links.csv"
    path.write_bytes(b"raw,item\nX,part:1\n" + b"\0" * (4 * 2**20))
    rows, _ = open_link_file(path)
    with pytest.raises(InputError, match=r"links.csv line 3: longer than 128 KB"):
        list(rows)


def test_a_carriage_return_inside_a_quoted_scan_does_not_shift_line_numbers(tmp_path: Path) -> None:
    # Scanners set to send CR put one at the end of a scan; a reader that counts CR as a line end (universal
    # newlines) named every later row one line too far.
    from barcode_plugins.files.link_files import open_link_file

    path = tmp_path / "links.csv"
    path.write_bytes(b'raw,item\r\n"A\r",part:1\r\n"B\r\r",part:2\r\nC,nonsense\r\n')
    rows, names = open_link_file(path)
    assert list(rows) == [("A\r", "part:1"), ("B\r\r", "part:2"), ("C", "nonsense")]
    assert names(2) == f"{path} line 4"
