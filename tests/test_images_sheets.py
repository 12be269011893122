"""Sheets of labels on A4 and Letter (``barcode_plugins.images.sheets``)."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import pytest

from barcode_plugins import InputError
from barcode_plugins.images.labels import LabelSize
from barcode_plugins.images.reading import read_symbols
from barcode_plugins.images.sheets import grid, write_sheets


def labels(count: int) -> list[tuple[str, list[str]]]:
    return [(f'{{"stockitem": {number}}}', [f"stockitem:{number}", "C25804 x100"]) for number in range(1, count + 1)]


def test_how_many_labels_fit() -> None:
    assert grid("a4", LabelSize()) == (7, 10)
    assert grid("letter", LabelSize()) == (7, 9)
    assert grid("a4", LabelSize.parse("62x29")) == (3, 9)


def test_a_label_larger_than_the_page_is_refused() -> None:
    with pytest.raises(InputError, match="does not fit"):
        grid("letter", LabelSize.parse("250x100"))


@pytest.mark.parametrize(("paper", "points"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_sheets_fill_pages_of_the_paper_and_every_label_reads_back(
    tmp_path: Path, paper: str, points: tuple[int, int]
) -> None:
    path = tmp_path / "sheet.pdf"
    pages = write_sheets(path, labels(75), paper=paper)  # type: ignore[arg-type]
    assert pages == 2
    document = pypdfium2.PdfDocument(path)
    try:
        assert len(document) == 2
        for index in range(2):
            assert tuple(round(side) for side in document[index].get_size()) == points
    finally:
        document.close()
    symbols = read_symbols(path)
    per_page = 70 if paper == "a4" else 63
    assert [symbol.text for symbol in symbols] == [payload for payload, _ in labels(75)]  # in order
    assert [symbol.page for symbol in symbols] == [1] * per_page + [2] * (75 - per_page)


def test_qr_sheets(tmp_path: Path) -> None:
    path = tmp_path / "qr.pdf"
    assert write_sheets(path, labels(3), symbology="qr") == 1
    assert {symbol.format for symbol in read_symbols(path)} == {"QRCode"}


def test_no_labels_no_sheet(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no labels"):
        write_sheets(tmp_path / "empty.pdf", [])
    assert not (tmp_path / "empty.pdf").exists()
