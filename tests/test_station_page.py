"""The station page in headless Chromium (Debian's, driven by Playwright): a wedge scanner types a Digi-Key label
with its control characters as key chords, the page receives it with the CLI's hash and shows it."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from http_server import ORDERS_CSV, ExplainingEngine, Server, free_port, make_token
from playwright.sync_api import sync_playwright
from sample_labels import DIGIKEY, EOT, GS, MOUSER, RS

from barcode_plugins import Engine
from barcode_plugins.web.app import create_app

CHROMIUM = os.environ.get("BARCODE_PLUGINS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: How a keyboard-wedge scanner types each control character: the Ctrl chord of its caret notation.
CHORDS = {GS: "Control+BracketRight", RS: "Control+Shift+Digit6", EOT: "Control+KeyD"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium (apt-get install chromium)")
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def station_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """One server for the module's station tests (starting one takes a second): the order of ``ORDERS_CSV``."""
    db = tmp_path_factory.mktemp("station") / "station.db"
    token = make_token(db)
    with Server(db) as server:
        assert server.request("POST", "/api/order/po/import/", {"csv": ORDERS_CSV}, token=token)[0] == 200
        yield server, token


@pytest.fixture
def station(station_server: tuple[Server, str], browser: Any) -> Iterator[tuple[Any, Server, str]]:
    """A fresh page signed in to the shared server; the Digi-Key label's receipt, if a test made it, is undone
    afterwards so that every test finds the order's line open."""
    server, token = station_server
    context = browser.new_context(viewport={"width": 420, "height": 900})  # a phone's width
    page = context.new_page()
    page.goto(server.base + "/")
    page.fill("#token", token)
    page.click("#token-form button")
    yield page, server, token
    context.close()
    status, body = server.request("POST", "/api/barcode/undo/", {"barcode": DIGIKEY}, token=token)
    assert status in (200, 404), body
    status, orders = server.request("GET", "/api/order/po/", token=token)
    assert status == 200 and all(Decimal(str(line["received"])) == 0 for order in orders for line in order["lines"]), (
        orders
    )


def type_like_a_scanner(page: Any, label: str) -> None:
    """Printable characters as key presses, control characters as Ctrl chords, then Enter."""
    for char in label:
        if char in CHORDS:
            page.keyboard.press(CHORDS[char])
        else:
            page.keyboard.type(char)
    page.keyboard.press("Enter")


def test_a_scanned_label_with_control_chords_is_received_and_shown(station: tuple[Any, Server, str]) -> None:
    page, server, token = station
    page.click("#modes button[data-mode=receive]")
    assert page.evaluate("document.activeElement.id") == "scan"
    type_like_a_scanner(page, DIGIKEY)

    row = page.locator("#results li").first
    row.locator(".status", has_text="received").wait_for(timeout=15_000)
    assert "ok" in row.get_attribute("class")
    assert "received 25 on PO-DK-1 line 1" in row.inner_text()
    page.locator("#lines-body tr").first.wait_for()
    assert page.locator("#lines-body td").nth(4).inner_text() == "5"  # outstanding after the receipt
    assert page.evaluate("document.activeElement.id") == "scan"  # ready for the next scan, nothing to close

    status, history = server.request("GET", "/api/barcode/history/?action=receive&limit=1", token=token)
    assert status == 200 and history[0]["raw"] == DIGIKEY  # the real separators arrived, not shortcuts
    with Engine(":memory:") as engine:
        assert history[0]["barcode_hash"] == engine.decode(DIGIKEY).barcode_hash

    # The same label again: refused, shown in its colour, with a beep; scanning goes on.
    type_like_a_scanner(page, DIGIKEY)
    page.locator("#results li.warn .status", has_text="already received").wait_for(timeout=15_000)
    assert page.locator("#results li").count() == 2
    assert page.evaluate("Number(document.body.dataset.beeps || 0)") >= 1

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "station-receive.png"), full_page=True)


def test_alt_codes_and_control_pictures_reach_the_server_as_separators(station: tuple[Any, Server, str]) -> None:
    page, server, token = station
    first, rest = DIGIKEY.split(GS, 1)
    page.focus("#scan")
    page.keyboard.type(first)
    page.keyboard.down("Alt")
    for key in ("Numpad0", "Numpad2", "Numpad9"):  # Alt+029: GS
        page.keyboard.press(key)
    page.keyboard.up("Alt")
    page.keyboard.type(rest.replace(GS, "\u241d").replace(RS, "\u241e"))  # control pictures, as some apps type
    page.keyboard.press("Enter")
    page.locator("#results li .status", has_text="found").wait_for(timeout=15_000)

    status, history = server.request("GET", "/api/barcode/history/?action=scan&limit=1", token=token)
    assert status == 200 and history[0]["raw"] == DIGIKEY


def test_link_mode_links_the_next_scan_to_the_item(station: tuple[Any, Server, str]) -> None:
    page, server, token = station
    page.click("#modes button[data-mode=link]")
    assert page.evaluate("document.activeElement.id") == "scan"
    for entry in ("REEL-0042", "part:42"):
        page.keyboard.type(entry)
        page.keyboard.press("Enter")
    page.locator("#results li.ok .status", has_text="linked").wait_for(timeout=15_000)
    status, body = server.request("POST", "/api/barcode/", {"barcode": "REEL-0042"}, token=token)
    assert status == 200 and body["item"] == "part:42"


def test_ctrl_d_becomes_eot_instead_of_a_browser_shortcut(station: tuple[Any, Server, str]) -> None:
    page, server, token = station
    page.focus("#scan")
    type_like_a_scanner(page, MOUSER)  # ends in RS EOT: Ctrl+^ Ctrl+D
    page.locator("#results li .status").first.wait_for(timeout=15_000)
    # Not wait_for_function: the page's CSP forbids eval, so its polling fails unless the answer is already there.
    page.locator("#results li.pending").first.wait_for(state="detached", timeout=15_000)
    assert page.url == server.base + "/"  # still on the page
    status, history = server.request("GET", "/api/barcode/history/?action=scan&limit=1", token=token)
    assert status == 200 and history[0]["raw"] == MOUSER and history[0]["plugin"] == "mouser"


def test_a_failed_scans_explanation_is_one_click_away(tmp_path: Path, browser: Any) -> None:
    engine = ExplainingEngine(tmp_path / "explain.db")
    token = engine.create_api_token("t")[1]
    server = uvicorn.Server(uvicorn.Config(create_app(engine), port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.02)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{server.config.port}/")
        page.fill("#token", token)
        page.click("#token-form button")
        page.click("#modes button[data-mode=receive]")
        type_like_a_scanner(page, MOUSER)  # no order in this store: no_match
        row = page.locator("#results li.bad")
        row.locator(".status", has_text="no match").wait_for(timeout=15_000)
        assert row.locator("pre").is_hidden()
        row.locator("button.why").click()
        assert "mouser" in row.locator("pre").inner_text()
        page.close()
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        engine.close()


def test_a_photo_in_receive_mode_receives_each_label_as_if_scanned(
    station: tuple[Any, Server, str], tmp_path: Path
) -> None:
    from image_samples import padded, symbol_image

    page, server, token = station
    page.click("#modes button[data-mode=receive]")
    photo = tmp_path / "bag.png"
    padded(symbol_image(DIGIKEY)).save(photo)
    assert page.get_attribute("#photo", "capture") == "environment"
    page.set_input_files("#photo", str(photo))

    receipt = page.locator("#results li", has=page.locator(".status", has_text="received"))
    receipt.wait_for(timeout=30_000)
    assert "ok" in receipt.get_attribute("class")
    assert "received 25 on PO-DK-1 line 1" in receipt.inner_text()
    photo_row = page.locator("#results li").last  # newest first: the photo came before the code it held
    assert photo_row.locator(".status").inner_text() == "photo" and "1 code found" in photo_row.inner_text()
    page.locator("#lines-body tr").first.wait_for()
    assert page.locator("#lines-body td").nth(4).inner_text() == "5"
    assert page.evaluate("document.activeElement.id") == "scan"  # a wedge scan may follow at once

    status, history = server.request("GET", "/api/barcode/history/?action=receive&limit=1", token=token)
    assert status == 200 and history[0]["status"] == "received" and history[0]["raw"] == DIGIKEY
    with Engine(server.db) as engine:  # the store itself, beside the running server
        assert engine.purchase_order("PO-DK-1").lines[0].received == 25
        assert history[0]["barcode_hash"] == engine.decode(DIGIKEY).barcode_hash

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "station-photo.png"), full_page=True)


def test_a_photo_of_two_labels_in_scan_mode_scans_both_in_order(
    station: tuple[Any, Server, str], tmp_path: Path
) -> None:
    from image_samples import padded, symbol_image
    from PIL import Image

    page, server, token = station
    first, second = padded(symbol_image(DIGIKEY)), padded(symbol_image(MOUSER))
    picture = Image.new("L", (first.width + second.width, max(first.height, second.height)), 255)
    picture.paste(first, (0, 0))
    picture.paste(second, (first.width, 0))
    photo = tmp_path / "two.png"
    picture.save(photo)
    page.set_input_files("#photo", str(photo))
    rows = page.locator("#results li")
    rows.nth(2).wait_for(timeout=30_000)  # the photo's row and one per code
    page.locator("#results li.pending").first.wait_for(state="detached", timeout=30_000)
    assert [rows.nth(index).locator(".status").inner_text() for index in range(3)] == ["found", "found", "photo"]
    assert "PO-0042" in rows.nth(0).inner_text() and "497-1234-1-ND" in rows.nth(1).inner_text()  # newest first
    status, history = server.request("GET", "/api/barcode/history/?action=scan&limit=2", token=token)
    assert status == 200 and [entry["raw"] for entry in history] == [MOUSER, DIGIKEY]  # newest first


def test_a_photo_without_a_barcode_is_a_red_row_with_a_beep(station: tuple[Any, Server, str], tmp_path: Path) -> None:
    from PIL import Image

    page, _, _ = station
    photo = tmp_path / "wall.png"
    Image.new("RGB", (300, 200), (200, 180, 160)).save(photo)
    page.set_input_files("#photo", str(photo))
    row = page.locator("#results li.bad", has_text="no barcode found in wall.png")
    row.wait_for(timeout=30_000)
    assert page.evaluate("Number(document.body.dataset.beeps || 0)") >= 1
