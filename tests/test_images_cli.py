"""The image options of the CLI: ``decode|scan|receive --image``, ``label --png/--svg/--pdf``, ``receive --labels``,
the message for a missing ``images`` extra, and the cold start of ``decode RAW`` without image libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from image_samples import ACME, AcmePlugin, padded, photo, symbol_image
from PIL import Image
from sample_labels import DIGIKEY, GENERIC_ECIA, LCSC, MOUSER, TME_DATAMATRIX, TME_QR

from barcode_plugins.cli import _register_commands, cli
from barcode_plugins.cli.context import AppContext
from barcode_plugins.testing.contract import CONTRACT_KEYS

ORDERS_CSV = """reference,supplier,supplier_reference,status,line,sku,mpn,manufacturer,quantity,destination
PO-DK-1,digikey,81234567,placed,1,497-1234-1-ND,STM32F103C8T6,STMicroelectronics,100,shelf A1
PO-0042,mouser,,placed,3,,NE555DR,Texas Instruments,50,shelf B1
"""
EXTRA_MESSAGE = "pip install 'barcode-plugins[images]'"


Invoke = Callable[..., Result]


@pytest.fixture
def invoke(tmp_path: Path) -> Invoke:
    """Run the CLI in-process on a database in ``tmp_path``."""
    _register_commands()
    runner = CliRunner()
    db = str(tmp_path / "cli.db")

    def run(*args: str) -> Result:
        return runner.invoke(cli, ["--db", db, *args])

    return run


@pytest.fixture
def acme() -> Iterator[None]:
    """A third party's plugin registered in the CLI's plugin manager for one test."""
    manager = AppContext.plugin_host().plugins
    assert manager.register(AcmePlugin(), "acme")
    try:
        yield
    finally:
        manager.unregister("acme")


def picture(tmp_path: Path, name: str, *texts: str) -> Path:
    """A PNG holding the labels (one: just the symbol; several: a photo of them on a bench)."""
    symbols = [symbol_image(text, "qr" if text in (LCSC, ACME) else "datamatrix", 4) for text in texts]
    image = padded(symbols[0]) if len(symbols) == 1 else photo(symbols)
    path = tmp_path / name
    image.save(path)
    return path


def json_lines(result: Result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_decode_image_json_has_the_contract_keys_and_where_the_symbol_is(invoke: Invoke, tmp_path: Path) -> None:
    path = picture(tmp_path, "bag.png", DIGIKEY)
    result = invoke("decode", "--image", "--json", str(path))
    assert result.exit_code == 0, result.output
    (document,) = json_lines(result)
    assert set(document) >= {*CONTRACT_KEYS, "image"}
    text_result = json_lines(invoke("decode", "--json", DIGIKEY))[0]
    assert document["barcode_hash"] == text_result["barcode_hash"] and document["fields"] == text_result["fields"]
    assert document["image"]["source"] == str(path) and document["image"]["format"] == "DataMatrix"
    assert document["image"]["page"] == 1 and len(document["image"]["position"]) == 4


@pytest.mark.parametrize("symbology", ["datamatrix", "qr"])
@pytest.mark.parametrize("text", [DIGIKEY, MOUSER, GENERIC_ECIA, LCSC, TME_QR, TME_DATAMATRIX, ACME])
def test_decode_image_gives_the_fields_and_hash_of_the_text(
    invoke: Invoke, tmp_path: Path, acme: None, text: str, symbology: str
) -> None:
    path = tmp_path / "label.png"
    padded(symbol_image(text, symbology, 4)).save(path)
    from_image = invoke("decode", "--image", "--json", str(path))
    from_text = invoke("decode", "--json", text)
    assert from_image.exit_code == from_text.exit_code == 0, from_image.output
    (document,) = json_lines(from_image)
    assert document.pop("image")["text"] == text
    assert document == json_lines(from_text)[0]  # every contract key, raw included


def test_decode_image_of_several_bags_and_a_third_party_label(invoke: Invoke, tmp_path: Path, acme: None) -> None:
    path = picture(tmp_path, "bench.png", DIGIKEY, MOUSER, LCSC, ACME)
    result = invoke("decode", "--image", "--json", str(path))
    assert result.exit_code == 0, result.output
    documents = json_lines(result)
    assert sorted(document["plugin"] for document in documents) == ["acme", "digikey", "lcsc", "mouser"]
    for document in documents:
        assert document["barcode_hash"] == json_lines(invoke("decode", "--json", document["raw"]))[0]["barcode_hash"]
    table = invoke("decode", "--image", str(path))
    assert table.exit_code == 0 and len(table.stdout.splitlines()) == 4 and "bench.png  QRCode at (" in table.stdout


def test_decode_image_takes_several_files_after_the_flag(invoke: Invoke, tmp_path: Path) -> None:
    first, second = picture(tmp_path, "a.png", DIGIKEY), picture(tmp_path, "b.png", MOUSER)
    result = invoke("decode", "--image", str(first), str(second), "--json")
    assert result.exit_code == 0, result.output
    assert [document["plugin"] for document in json_lines(result)] == ["digikey", "mouser"]


def test_decode_image_exit_codes(invoke: Invoke, tmp_path: Path) -> None:
    good = picture(tmp_path, "good.png", DIGIKEY)
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    not_image = tmp_path / "notes.txt"
    not_image.write_text("hello")
    unknown = picture(tmp_path, "unknown.png", "SOME-RANDOM-CODE")

    no_barcode = invoke("decode", "--image", str(good), str(blank))
    assert no_barcode.exit_code == 1 and f"no barcode found in {blank}" in no_barcode.stderr
    assert "digikey" in no_barcode.stdout  # the good file is still decoded
    unreadable = invoke("decode", "--image", "--json", str(not_image), str(good))
    assert unreadable.exit_code == 2
    assert json_lines(unreadable)[0] == {
        "file": str(not_image),
        "error": f"cannot read {not_image}: not an image or PDF",
    }
    assert json_lines(unreadable)[1]["plugin"] == "digikey"
    assert invoke("decode", "--image", str(unknown)).exit_code == 1  # external: not recognised
    assert invoke("decode", "--image", str(tmp_path / "missing.png")).exit_code == 2


def test_decode_still_takes_exactly_one_raw_without_image(invoke: Invoke) -> None:
    assert invoke("decode", "--json", DIGIKEY).exit_code == 0
    two = invoke("decode", DIGIKEY, MOUSER)
    assert two.exit_code == 2 and "expected one RAW argument" in two.output


@pytest.mark.parametrize("file_format", ["png", "pdf"])
def test_a_printed_internal_label_scans_back_to_its_item(invoke: Invoke, tmp_path: Path, file_format: str) -> None:
    path = tmp_path / f"label.{file_format}"
    drawn = invoke("label", "location:42", f"--{file_format}", str(path))
    assert drawn.exit_code == 0, drawn.output
    assert drawn.stdout.strip() == '{"location": 42}' and f"wrote {path}" in drawn.stderr
    scanned = invoke("scan", "--image", "--json", str(path))
    assert scanned.exit_code == 0, scanned.output
    (document,) = json_lines(scanned)
    assert document["item"] == "location:42" and document["barcode"]["kind"] == "internal"
    assert document["image"]["format"] == "DataMatrix"
    history = json.loads(invoke("history", "--json").stdout)
    assert history[0]["action"] == "scan" and history[0]["item"] == "location:42"


def test_label_qr_svg_and_json(invoke: Invoke, tmp_path: Path) -> None:
    png, svg = tmp_path / "qr.png", tmp_path / "label.svg"
    result = invoke("label", "part:7", "--qr", "--png", str(png), "--svg", str(svg), "--size", "62x29", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"item": "part:7", "payload": '{"part": 7}', "files": [str(png), str(svg)]}
    scanned = json_lines(invoke("scan", "--image", "--json", str(png)))[0]
    assert scanned["item"] == "part:7" and scanned["image"]["format"] == "QRCode"
    assert 'width="62mm"' in svg.read_text() and ">part:7</text>" in svg.read_text()
    short = invoke("label", "location:3", "--short", "--png", str(png))
    assert short.exit_code == 0 and json_lines(invoke("scan", "--image", "--json", str(png)))[0]["item"] == "location:3"


def test_label_bad_size_and_unwritable_file_are_one_line_errors(invoke: Invoke, tmp_path: Path) -> None:
    bad = invoke("label", "location:1", "--png", str(tmp_path / "x.png"), "--size", "huge")
    assert bad.exit_code == 2 and "label size 'huge'" in bad.stderr and "Traceback" not in bad.output
    missing_dir = invoke("label", "location:1", "--pdf", str(tmp_path / "no" / "x.pdf"))
    assert missing_dir.exit_code == 2 and "cannot write" in missing_dir.stderr


def test_receive_from_a_photo_and_print_the_labels(invoke: Invoke, tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS_CSV)
    assert invoke("po", "import", str(orders)).exit_code == 0
    bench = picture(tmp_path, "bench.png", DIGIKEY, MOUSER)
    sheet = tmp_path / "labels.pdf"
    result = invoke("receive", "--image", "--json", str(bench), "--labels", str(sheet), "--paper", "letter")
    assert result.exit_code == 0, result.output
    outcomes = json_lines(result)
    assert [outcome["status"] for outcome in outcomes] == ["received", "received"]
    stock_items = {outcome["stock_item"] for outcome in outcomes}
    assert "wrote" in result.stderr and "2 label(s) on 1 letter page(s)" in result.stderr
    scanned = json_lines(invoke("scan", "--image", "--json", str(sheet)))
    assert {int(document["item"].split(":")[1]) for document in scanned} == stock_items
    assert {document["stock_item"]["quantity"] for document in scanned} == {25, 50}
    again = invoke("receive", "--image", str(bench), "--labels", str(tmp_path / "again.pdf"))
    assert again.exit_code == 1 and "no stock item was created" in again.stderr
    assert not (tmp_path / "again.pdf").exists()


def test_receive_labels_for_scans_given_as_text(invoke: Invoke, tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS_CSV)
    assert invoke("po", "import", str(orders)).exit_code == 0
    sheet = tmp_path / "labels.pdf"
    result = invoke("receive", DIGIKEY, "--labels", str(sheet))
    assert result.exit_code == 0, result.output
    (document,) = json_lines(invoke("scan", "--image", "--json", str(sheet)))
    assert document["stock_item"]["sku"] == "497-1234-1-ND"


def test_receive_image_without_a_barcode_is_an_error_outcome(invoke: Invoke, tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("L", (100, 100), 255).save(blank)
    result = invoke("receive", "--image", "--json", str(blank))
    assert result.exit_code == 2
    assert json_lines(result)[0]["status"] == "error" and "no barcode found" in json_lines(result)[0]["message"]


@pytest.mark.parametrize("module", ["zxingcpp", "PIL.Image"])
@pytest.mark.parametrize(
    "command",
    [
        ["decode", "--image", "{picture}"],
        ["scan", "--image", "{picture}"],
        ["label", "location:1", "--png", "{tmp}/out.png"],
        ["receive", "--image", "{picture}"],
        ["receive", DIGIKEY, "--labels", "{tmp}/out.pdf"],
    ],
)
def test_a_missing_images_extra_is_one_line_naming_it_exit_2(
    invoke: Invoke,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    module: str,
    command: list[str],
) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS_CSV)
    assert invoke("po", "import", str(orders)).exit_code == 0
    path = picture(tmp_path, "bag.png", DIGIKEY)
    monkeypatch.setitem(sys.modules, module, None)  # ``import zxingcpp`` now raises ImportError
    args = [part.format(picture=path, tmp=tmp_path) for part in command]
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and EXTRA_MESSAGE in lines[0], result.stderr
    assert not (tmp_path / "out.png").exists() and not (tmp_path / "out.pdf").exists()
    monkeypatch.undo()
    assert json.loads(invoke("history", "--json").stdout)[0]["action"] == "po_import"  # nothing was received


def test_a_missing_pdf_library_is_named_too(invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = tmp_path / "label.pdf"
    assert invoke("label", "location:1", "--pdf", str(pdf)).exit_code == 0
    monkeypatch.setitem(sys.modules, "pypdfium2", None)
    result = invoke("decode", "--image", str(pdf))
    assert result.exit_code == 2 and "pypdfium2" in result.stderr and EXTRA_MESSAGE in result.stderr


def test_decode_raw_cold_start_imports_no_image_library(tmp_path: Path) -> None:
    """``barcode-plugins decode RAW`` in a fresh interpreter, its imports listed by ``-X importtime``."""
    code = (
        "import sys; from barcode_plugins.cli import main;"
        " sys.argv = ['barcode-plugins', 'decode', sys.argv[1]]; main()"
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code, DIGIKEY],
        capture_output=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "BARCODE_PLUGINS_DB": str(tmp_path / "x.db")},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in result.stderr.decode().splitlines() if "|" in line}
    assert "barcode_plugins.cli.barcodes" in imported  # the listing is real
    assert not {name for name in imported if name.split(".")[0] in ("PIL", "zxingcpp", "pypdfium2")}
    assert not {name for name in imported if name.startswith(("barcode_plugins.images", "barcode_plugins.cli.images"))}


def test_a_symbol_whose_text_is_refused_is_reported_with_where_it_is(invoke: Invoke, tmp_path: Path) -> None:
    path = picture(tmp_path, "separators.png", "\x1d\x1d\x1e")
    result = invoke("decode", "--image", "--json", str(path))
    assert result.exit_code == 2
    (document,) = json_lines(result)
    assert document["image"]["source"] == str(path) and "only separators" in document["error"]
    table = invoke("scan", "--image", str(path))
    assert table.exit_code == 2 and f"{path}  DataMatrix at (" in table.stderr and "only separators" in table.stderr


def test_label_for_a_203_dpi_printer(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "zebra.png"
    assert invoke("label", "location:8", "--png", str(path), "--dpi", "203").exit_code == 0
    with Image.open(path) as image:
        assert image.size == (199, 199) and round(image.info["dpi"][0]) == 203
    assert json_lines(invoke("scan", "--image", "--json", str(path)))[0]["item"] == "location:8"
    assert invoke("label", "location:8", "--png", str(path), "--dpi", "50").exit_code == 2


def test_receive_labels_into_a_missing_directory_is_refused_before_receiving(invoke: Invoke, tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS_CSV)
    assert invoke("po", "import", str(orders)).exit_code == 0
    result = invoke("receive", DIGIKEY, "--labels", str(tmp_path / "no" / "labels.pdf"))
    assert result.exit_code == 2 and "cannot write" in result.stderr
    assert json.loads(invoke("history", "--json").stdout)[0]["action"] == "po_import"  # nothing was received
