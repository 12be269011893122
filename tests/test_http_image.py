"""``POST /api/barcode/image/`` through a real ``barcode-plugins serve`` process: pictures and PDFs in, every
barcode found out, decoded with the same hash as the text typed."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from http_server import Server, make_token
from image_samples import padded, symbol_image
from litestar.testing import TestClient
from PIL import Image
from sample_labels import DIGIKEY, GS, LCSC, MOUSER, RS

from barcode_plugins import Engine
from barcode_plugins.web.app import MAX_IMAGE_BYTES, create_app

PATH = "/api/barcode/image/"


def png(image: Image.Image) -> bytes:
    """The image as PNG file bytes."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def side_by_side(*labels: Image.Image) -> Image.Image:
    """Labels next to each other on one white picture, left to right."""
    picture = Image.new("L", (sum(label.width for label in labels), max(label.height for label in labels)), 255)
    x = 0
    for label in labels:
        picture.paste(label, (x, 0))
        x += label.width
    return picture


def upload(server: Server, content: bytes, *, name: str = "photo.png", token: str | None = None) -> tuple[int, Any]:
    """The file sent as ``multipart/form-data`` field ``image``: ``(status, JSON body)``."""
    headers = {"Authorization": f"Token {token}"} if token else {}
    response = httpx.post(server.base + PATH, files={"image": (name, content)}, headers=headers, timeout=60)
    return response.status_code, response.json()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """One server (reads closed) for the module, and a token for it."""
    db = tmp_path_factory.mktemp("http-image") / "store.db"
    token = make_token(db)
    with Server(db) as server:
        yield server, token


def test_a_picture_of_two_labels_gives_both_decoded_with_the_hash_of_the_text(served: tuple[Server, str]) -> None:
    server, token = served
    picture = side_by_side(padded(symbol_image(DIGIKEY)), padded(symbol_image(LCSC, "qr")))
    status, body = upload(server, png(picture), name="bench.png", token=token)
    assert status == 200, body
    symbols = body["symbols"]
    assert [symbol["text"] for symbol in symbols] == [DIGIKEY, LCSC]  # exact text, real separators, left to right
    assert [symbol["format"] for symbol in symbols] == ["DataMatrix", "QRCode"]
    with Engine(":memory:") as engine:
        for symbol in symbols:
            expected = engine.decode(symbol["text"])
            assert symbol["error"] is None
            assert symbol["barcode"]["barcode_hash"] == expected.barcode_hash
            assert symbol["barcode"]["plugin"] == expected.plugin
            assert symbol["barcode"]["raw"] == symbol["text"]
    assert [symbol["barcode"]["plugin"] for symbol in symbols] == ["digikey", "lcsc"]
    assert symbols[0]["barcode"]["supplier_part_number"] == "497-1234-1-ND" and symbols[0]["barcode"]["quantity"] == 25
    first, second = symbols
    assert (first["source"], first["page"]) == ("bench.png", 1)
    assert len(first["position"]) == 4 and all(len(corner) == 2 for corner in first["position"])
    assert max(x for x, _ in first["position"]) < min(x for x, _ in second["position"])  # where each one is


def test_a_pdf_page_is_read_and_its_page_number_given(served: tuple[Server, str], tmp_path: Path) -> None:
    server, token = served
    page = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi
    page.paste(symbol_image(MOUSER, module=6), (200, 300))
    blank = Image.new("1", page.size, 1)
    pdf = tmp_path / "delivery-note.pdf"
    blank.save(pdf, "PDF", resolution=150, save_all=True, append_images=[page.convert("1", dither=0)])
    status, body = upload(server, pdf.read_bytes(), name="delivery-note.pdf", token=token)
    assert status == 200, body
    (symbol,) = body["symbols"]
    assert (symbol["page"], symbol["text"], symbol["barcode"]["plugin"]) == (2, MOUSER, "mouser")
    with Engine(":memory:") as engine:
        assert symbol["barcode"]["barcode_hash"] == engine.decode(MOUSER).barcode_hash


def test_a_symbol_whose_text_does_not_decode_carries_its_error(served: tuple[Server, str]) -> None:
    server, token = served
    status, body = upload(server, png(padded(symbol_image(f"{GS}{GS}{RS}"))), token=token)
    assert status == 200
    (symbol,) = body["symbols"]
    assert symbol["barcode"] is None and "separators" in symbol["error"]


def test_a_picture_without_a_barcode_is_404(served: tuple[Server, str]) -> None:
    server, token = served
    status, body = upload(server, png(Image.new("RGB", (300, 200), (200, 180, 160))), name="wall.png", token=token)
    assert status == 404 and body["error"] == "no barcode found in wall.png"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"just some text", "cannot read notes.txt: not an image or PDF"),
        (b"", "cannot read notes.txt: not an image or PDF"),
        (b"%PDF-1.4 broken", "cannot read notes.txt: not a PDF that can be opened"),
    ],
)
def test_what_is_not_an_image_is_400(served: tuple[Server, str], content: bytes, message: str) -> None:
    server, token = served
    status, body = upload(server, content, name="notes.txt", token=token)
    assert status == 400 and body["error"].startswith(message)


def test_a_request_without_the_image_field_is_400(served: tuple[Server, str]) -> None:
    server, token = served
    headers = {"Authorization": f"Token {token}"}
    response = httpx.post(server.base + PATH, files={"photo": ("a.png", b"x")}, headers=headers, timeout=60)
    assert response.status_code == 400 and "image" in response.json()["error"]
    response = httpx.post(server.base + PATH, json={"image": "a.png"}, headers=headers, timeout=60)
    assert response.status_code == 400 and response.json()["error"]


def test_a_picture_over_the_limit_is_413(served: tuple[Server, str]) -> None:
    server, token = served
    status, body = upload(server, b"\0" * (MAX_IMAGE_BYTES + 1), token=token)
    assert status == 413 and body["error"]


def test_reads_need_a_token_unless_open(served: tuple[Server, str], tmp_path: Path) -> None:
    server, _ = served
    picture = png(padded(symbol_image(DIGIKEY)))
    status, body = upload(server, picture)
    assert status == 401 and "token" in body["error"]
    status, body = upload(server, picture, token="bp_not-a-real-token")
    assert status == 401 and body["error"] == "invalid or revoked token"
    with Server(tmp_path / "open.db", "--open-reads") as open_server:
        status, body = upload(open_server, picture)
        assert status == 200 and body["symbols"][0]["barcode"]["plugin"] == "digikey"


def test_without_the_images_extra_the_answer_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine(":memory:")
    token = engine.create_api_token("t")[1]
    monkeypatch.setitem(sys.modules, "zxingcpp", None)  # the import fails as if zxing-cpp were not installed
    with TestClient(create_app(engine)) as client:
        response = client.post(
            PATH,
            files={"image": ("a.png", png(padded(symbol_image(DIGIKEY))))},
            headers={"Authorization": f"Token {token}"},
        )
    engine.close()
    assert response.status_code == 501
    assert "barcode-plugins[images]" in response.json()["error"] and "zxing-cpp" in response.json()["error"]
