"""Reading barcodes from pictures and PDFs (``barcode_plugins.images.reading``, ``Engine.decode_image``).

Every symbol is drawn by zxing-cpp from a label's exact text; reading it back must give the same decoded fields
and the same barcode hash as decoding the text, as a wedge scanner would type it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from image_samples import (
    ACME,
    AcmePlugin,
    blurred,
    noisy,
    padded,
    perspective,
    photo,
    rotated,
    scaled,
    symbol_image,
)
from PIL import Image
from sample_labels import DIGIKEY, GENERIC_ECIA, GS, LCSC, MOUSER, RS, TME_DATAMATRIX, TME_QR

from barcode_plugins import Engine, InputError
from barcode_plugins.images import ImageBarcode
from barcode_plugins.images.reading import PDF_DPI, read_symbols
from barcode_plugins.testing.target import examples_strategy

#: One realistic label per bundled supplier (and the generic ECIA decoder), with the symbology it is printed in.
SUPPLIER_LABELS = {
    "digikey": (DIGIKEY, "datamatrix"),
    "mouser": (MOUSER, "datamatrix"),
    "ecia": (GENERIC_ECIA, "datamatrix"),
    "lcsc": (LCSC, "qr"),
    "tme": (TME_QR, "qr"),
    "tme_datamatrix": (TME_DATAMATRIX, "datamatrix"),
}


@pytest.fixture
def acme_engine(engine: Engine, register_plugin: Callable[[object, str], None]) -> Engine:
    """The ``engine`` fixture with a third party's plugin registered next to the bundled ones."""
    register_plugin(AcmePlugin(), "acme")
    return engine


def only(results: list[ImageBarcode]) -> ImageBarcode:
    assert len(results) == 1, results
    return results[0]


def assert_same_as_text(engine: Engine, result: ImageBarcode, text: str) -> None:
    """The symbol read from the picture decodes exactly as the label's text does."""
    assert result.error is None, result.error
    assert result.symbol.text == text
    assert result.barcode == engine.decode(text)


@pytest.mark.parametrize("symbology", ["datamatrix", "qr"])
@pytest.mark.parametrize("supplier", sorted(SUPPLIER_LABELS))
def test_every_supplier_label_reads_back_with_the_same_fields_and_hash(
    acme_engine: Engine, supplier: str, symbology: str
) -> None:
    text, _ = SUPPLIER_LABELS[supplier]
    result = only(acme_engine.decode_image(padded(symbol_image(text, symbology))))
    assert_same_as_text(acme_engine, result, text)
    assert result.barcode is not None and result.barcode.kind == "supplier"
    assert result.symbol.format == {"datamatrix": "DataMatrix", "qr": "QRCode"}[symbology]


@pytest.mark.parametrize("symbology", ["datamatrix", "qr"])
def test_a_third_party_plugin_label_reads_back(acme_engine: Engine, symbology: str) -> None:
    result = only(acme_engine.decode_image(padded(symbol_image(ACME, symbology))))
    assert_same_as_text(acme_engine, result, ACME)
    assert result.barcode is not None
    assert (result.barcode.plugin, result.barcode.supplier_part_number, result.barcode.quantity) == (
        "acme",
        "ACME-7731-R",
        40,
    )


def test_the_separators_are_real_so_the_hash_equals_a_wedge_scan(engine: Engine) -> None:
    result = only(engine.decode_image(padded(symbol_image(MOUSER))))
    assert RS in result.symbol.text and GS in result.symbol.text and "␝" not in result.symbol.text
    # A wedge scanner that shows separators as control pictures types this; it is the same label.
    wedge = MOUSER.replace(GS, "␝").replace(RS, "␞").replace("\x04", "␄")
    assert result.barcode is not None and result.barcode.barcode_hash == engine.decode(wedge).barcode_hash


@pytest.mark.parametrize(
    ("damage", "transform"),
    [
        ("rotated 90", lambda image: rotated(image, 90)),
        ("rotated 33", lambda image: rotated(image, 33)),
        ("rotated 180", lambda image: rotated(image, 180)),
        ("scaled down to 2 px per module", lambda image: scaled(image, 1 / 3)),
        ("blurred", lambda image: blurred(image, 1.5)),
        ("noisy", lambda image: noisy(image, 40)),
        ("perspective-skewed", lambda image: perspective(image, 0.15)),
        (
            "rotated, skewed, blurred and noisy",
            lambda image: noisy(blurred(perspective(rotated(image, 20), 0.1), 1), 25),
        ),
    ],
)
@pytest.mark.parametrize("supplier", ["digikey", "lcsc"])
def test_damaged_pictures_still_read(
    engine: Engine, supplier: str, damage: str, transform: Callable[[Image.Image], Image.Image]
) -> None:
    text, symbology = SUPPLIER_LABELS[supplier]
    picture = transform(padded(symbol_image(text, symbology)))
    assert_same_as_text(engine, only(engine.decode_image(picture)), text)


def test_a_photo_of_several_labels_gives_each_with_its_position(acme_engine: Engine) -> None:
    texts = [DIGIKEY, MOUSER, LCSC, TME_QR, GENERIC_ECIA, ACME]
    symbols = [symbol_image(text, "qr" if text in (LCSC, TME_QR, ACME) else "datamatrix", 4) for text in texts]
    picture = photo(symbols)
    results = acme_engine.decode_image(picture)
    assert sorted(result.symbol.text for result in results) == sorted(texts)
    for result in results:
        assert_same_as_text(acme_engine, result, result.symbol.text)
    # Laid out three across: the positions say which label is where, and the results come top to bottom.
    centres = {result.symbol.text: _centre(result.symbol.position) for result in results}
    cell = picture.width / 3
    for index, text in enumerate(texts):
        x, y = centres[text]
        assert int(x // cell) == index % 3 and int(y // cell) == index // 3, (text[:12], x, y)
    tops = [min(y for _, y in result.symbol.position) for result in results]
    assert tops == sorted(tops)


def _centre(position: tuple[tuple[int, int], ...]) -> tuple[float, float]:
    return sum(x for x, _ in position) / 4, sum(y for _, y in position) / 4


def test_a_pdf_page_of_several_labels(engine: Engine, tmp_path: Path) -> None:
    texts = [DIGIKEY, MOUSER, GENERIC_ECIA, LCSC]
    page = Image.new("L", (2480, 3508), 255)  # A4 at 300 dpi: a delivery note
    for index, text in enumerate(texts):
        # 3 pixels (0.25 mm) per module: the small DataMatrix of a delivery note
        page.paste(
            symbol_image(text, "qr" if text == LCSC else "datamatrix", 3),
            (300 + 1000 * (index % 2), 400 + 900 * (index // 2)),
        )
    blank = Image.new("L", page.size, 255)
    pdf = tmp_path / "delivery-note.pdf"
    blank.save(pdf, "PDF", resolution=300, save_all=True, append_images=[page.convert("1", dither=0)])
    results = engine.decode_image(pdf)
    assert [result.symbol.text for result in results] == texts  # page 2, top to bottom, left to right
    assert {result.symbol.page for result in results} == {2}
    for result in results:
        assert_same_as_text(engine, result, result.symbol.text)
    assert read_symbols(pdf.read_bytes()) == [
        _renamed(result.symbol, "<bytes>") for result in results
    ]  # the bytes of the file read the same


def _renamed(symbol: object, source: str) -> object:
    import attrs

    return attrs.evolve(symbol, source=source)  # type: ignore[misc]


def test_a_pdf_renders_at_the_dpi_asked_for(engine: Engine, tmp_path: Path) -> None:
    pdf = tmp_path / "label.pdf"
    padded(symbol_image(DIGIKEY, module=6)).convert("1").save(pdf, "PDF", resolution=300)
    at_default = only(engine.decode_image(pdf)).symbol.position
    at_double = only(engine.decode_image(pdf, pdf_dpi=2 * PDF_DPI)).symbol.position
    assert at_double[2][0] == pytest.approx(2 * at_default[2][0], abs=4)


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tiff", ".bmp", ".webp", ".gif"])
def test_files_pillow_opens(engine: Engine, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"label{suffix}"
    padded(symbol_image(DIGIKEY)).convert("RGB").save(path)
    assert_same_as_text(engine, only(engine.decode_image(path)), DIGIKEY)
    assert_same_as_text(engine, only(engine.decode_image(str(path))), DIGIKEY)
    assert_same_as_text(engine, only(engine.decode_image(path.read_bytes())), DIGIKEY)


def test_a_transparent_png_reads_on_white(engine: Engine, tmp_path: Path) -> None:
    symbol = padded(symbol_image(DIGIKEY))
    transparent = Image.new("RGBA", symbol.size, (0, 0, 0, 0))  # hidden pixels black: flattened naively, all dark
    transparent.putalpha(Image.eval(symbol, lambda value: 255 - value))
    path = tmp_path / "transparent.png"
    transparent.save(path)
    assert_same_as_text(engine, only(engine.decode_image(path)), DIGIKEY)


def test_frames_of_a_multi_frame_tiff_are_pages(engine: Engine, tmp_path: Path) -> None:
    frames = [padded(symbol_image(text)) for text in (DIGIKEY, MOUSER)]
    path = tmp_path / "scans.tiff"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    results = engine.decode_image(path)
    assert [(result.symbol.page, result.symbol.text) for result in results] == [(1, DIGIKEY), (2, MOUSER)]


def test_a_phone_photo_is_turned_upright_by_its_exif_orientation(engine: Engine, tmp_path: Path) -> None:
    picture = Image.new("L", (600, 300), 255)
    picture.paste(symbol_image(DIGIKEY, module=4), (20, 20))  # near the top-left corner as the camera saw it
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    path = tmp_path / "phone.jpg"
    picture.convert("RGB").save(path, exif=exif, quality=95)
    symbol = only(engine.decode_image(path)).symbol
    # Upright the picture is 300 wide and 600 high, and the symbol (148 px) sits at its top-right, x 132..280
    # (unturned it would be at x 20..168).
    assert all(x >= 120 for x, _ in symbol.position) and all(y < 200 for _, y in symbol.position)


def test_position_page_format_and_source_of_a_symbol(engine: Engine, tmp_path: Path) -> None:
    picture = Image.new("L", (800, 600), 255)
    picture.paste(symbol_image(DIGIKEY, module=5), (400, 200))
    path = tmp_path / "one.png"
    picture.save(path)
    symbol = only(engine.decode_image(path)).symbol
    assert (symbol.source, symbol.page, symbol.format, symbol.orientation) == (str(path), 1, "DataMatrix", 0)
    (left, top), _, (right, bottom), _ = symbol.position
    assert 400 <= left < 420 and 200 <= top < 220 and right > left + 100 and bottom > top + 100


def test_a_symbol_whose_text_does_not_decode_gives_its_typed_error(engine: Engine) -> None:
    results = engine.decode_image(padded(symbol_image(f"{GS}{GS}{RS}")))
    assert only(results).barcode is None
    assert isinstance(results[0].error, InputError) and "separators" in results[0].error.message


def test_a_picture_without_a_barcode_gives_nothing(engine: Engine) -> None:
    assert engine.decode_image(Image.new("RGB", (300, 200), (200, 180, 160))) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not an image or PDF"),
        (b"just some text", "not an image or PDF"),
        (b"%PDF-1.4 broken", "not a PDF"),
    ],
)
def test_unreadable_input_is_an_input_error(engine: Engine, content: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        engine.decode_image(content)


def test_a_truncated_image_and_a_missing_file_are_input_errors(engine: Engine, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    padded(symbol_image(DIGIKEY)).save(buffer, "PNG")
    with pytest.raises(InputError, match="damaged image"):
        engine.decode_image(buffer.getvalue()[:200])
    with pytest.raises(InputError, match="No such file"):
        engine.decode_image(tmp_path / "missing.png")


def test_decode_image_never_opens_the_store(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "never.db")
    assert engine.decode_image(padded(symbol_image(DIGIKEY)))[0].barcode is not None
    assert not (tmp_path / "never.db").exists()


@st.composite
def plugin_examples(draw: st.DrawFn) -> tuple[str, object]:
    """An example label of any installed plugin that gives examples."""
    from barcode_plugins.hooks.manager import PluginManager

    manager = PluginManager()
    names = sorted(impl.plugin_name for impl in manager.implementations("barcode_examples"))
    name = draw(st.sampled_from(names))
    strategy = examples_strategy(manager, name)
    assume_strategy = strategy if strategy is not None else st.nothing()
    return name, draw(assume_strategy)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(example=plugin_examples(), symbology=st.sampled_from(["datamatrix", "qr"]))
def test_every_plugins_examples_read_back_from_pictures(example: tuple[str, object], symbology: str) -> None:
    _, drawn = example
    text = drawn.text  # type: ignore[attr-defined]
    with Engine(":memory:") as engine:
        result = only(engine.decode_image(padded(symbol_image(text, symbology, module=4))))
        assert result.symbol.text == text
        expected = engine.decode(text)
        assert result.barcode == expected


def test_a_linear_code_read_inside_a_qr_code_is_not_a_second_barcode() -> None:
    """zxing-cpp reads an ITF ``0393`` in the modules of this Digi-Key label's QR code (found by the property
    above); a photo of one label must give one barcode."""
    text = (
        "[)>\x1e06\x1dPOF-000006\x1d1P0N0-0L0JT300505KX0QM505FF\x1d30P195-0N3T6O0-5-ND\x1dK\x1d1K500400000\x1d11K1"
        "\x1d4LCN\x1dQ247\x1d11ZPICK\x1d12Z96\x1d13Z1976\x1d20Z0000000000000000000000000000\x1e\x04"
    )
    with Engine(":memory:") as engine:
        (result,) = engine.decode_image(padded(symbol_image(text, "qr", module=4)))
    assert result.symbol.format == "QRCode"
    assert result.barcode is not None and result.barcode.supplier_part_number == "195-0N3T6O0-5-ND"
