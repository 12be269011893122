"""Pictures of labels for the image tests: symbols drawn by zxing-cpp, then photographed badly with Pillow
(rotated, shrunk, blurred, noisy, seen at an angle, several on one cluttered picture)."""

from __future__ import annotations

import random
from collections.abc import Sequence

import zxingcpp
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from barcode_plugins import Decoded, hookimpl

FORMATS = {"datamatrix": zxingcpp.BarcodeFormat.DataMatrix, "qr": zxingcpp.BarcodeFormat.QRCode}


def symbol_image(text: str, symbology: str = "datamatrix", module: int = 6) -> Image.Image:
    """``text`` as a clean greyscale symbol, ``module`` pixels per module, with its quiet zone."""
    options = {"force_square": True} if symbology == "datamatrix" else {}
    barcode = zxingcpp.create_barcode(text, FORMATS[symbology], **options)
    bitmap = memoryview(barcode.to_image(scale=module))
    height, width = bitmap.shape
    return Image.frombytes("L", (width, height), bitmap.tobytes())


def padded(image: Image.Image, border: int = 40) -> Image.Image:
    """White space around a symbol, as on a label."""
    return ImageOps.expand(image, border=border, fill=255)


def rotated(image: Image.Image, degrees: float) -> Image.Image:
    """Turned by any angle (the corners filled white)."""
    return image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def scaled(image: Image.Image, factor: float) -> Image.Image:
    """Shrunk (or grown) smoothly, as a camera further away sees it."""
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def blurred(image: Image.Image, radius: float) -> Image.Image:
    """Out of focus."""
    return image.filter(ImageFilter.GaussianBlur(radius))


def noisy(image: Image.Image, sigma: float, seed: int = 7) -> Image.Image:
    """Sensor noise: Gaussian noise of ``sigma`` grey levels added to every pixel."""
    rng = random.Random(seed)
    noise = bytes(max(0, min(255, 128 + round(rng.gauss(0, sigma)))) for _ in range(image.width * image.height))
    return Image.eval(
        Image.blend(image.convert("L"), Image.frombytes("L", image.size, noise), 0.5),
        lambda value: max(0, min(255, (value - 64) * 2)),
    )


def perspective(image: Image.Image, skew: float) -> Image.Image:
    """Seen at an angle: the top edge narrower than the bottom by ``skew`` of the width on each side."""
    width, height = image.size
    inset = width * skew
    # Where each output corner comes from: the quad (top-left, top-right, bottom-right, bottom-left).
    source = [(-inset, 0), (width + inset, 0), (width, height), (0, height)]
    target = [(0, 0), (width, 0), (width, height), (0, height)]
    return image.transform(
        image.size, Image.Transform.PERSPECTIVE, _coefficients(target, source), Image.Resampling.BICUBIC, fillcolor=255
    )


def _coefficients(target: Sequence[tuple[float, float]], source: Sequence[tuple[float, float]]) -> list[float]:
    """The 8 perspective coefficients mapping ``target`` corners to ``source`` corners (Gaussian elimination)."""
    rows: list[list[float]] = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
    size = 8
    for column in range(size):
        pivot = max(range(column, size), key=lambda row: abs(rows[row][column]))
        rows[column], rows[pivot] = rows[pivot], rows[column]
        for row in range(size):
            if row != column:
                factor = rows[row][column] / rows[column][column]
                rows[row] = [a - factor * b for a, b in zip(rows[row], rows[column], strict=True)]
    return [rows[index][size] / rows[index][index] for index in range(size)]


def photo(labels: Sequence[Image.Image], seed: int = 3) -> Image.Image:
    """A cluttered grey-brown bench with the labels lying on it at small angles, in a grid (like bags on a table)."""
    rng = random.Random(seed)
    columns = 3
    cell = max(max(label.size) for label in labels) + 120
    rows = (len(labels) + columns - 1) // columns
    bench = Image.new("L", (columns * cell, rows * cell), 150)
    draw = ImageDraw.Draw(bench)
    for _ in range(60):  # clutter: lines and blobs of other greys
        x, y = rng.randrange(bench.width), rng.randrange(bench.height)
        draw.line(
            (x, y, x + rng.randrange(-200, 200), y + rng.randrange(-200, 200)), fill=rng.randrange(60, 220), width=3
        )
    for index, label in enumerate(labels):
        turned = rotated(padded(label, 20), rng.uniform(-25, 25))
        x = (index % columns) * cell + (cell - turned.width) // 2
        y = (index // columns) * cell + (cell - turned.height) // 2
        bench.paste(turned, (x, y))
    return blurred(bench, 0.8)


class AcmePlugin:
    """A third party's plugin, registered by the tests: a QR format ``ACME|<part>|<quantity>|<order>``."""

    @staticmethod
    @hookimpl
    def decode(text: str) -> Decoded | None:
        """Acme's QR label."""
        parts = text.split("|")
        if len(parts) != 4 or parts[0] != "ACME" or not parts[1] or not parts[2].isdigit():
            return None
        return Decoded(
            plugin="acme",
            kind="supplier",
            supplier="Acme",
            supplier_part_number=parts[1],
            quantity=int(parts[2]),
            supplier_order_number=parts[3] or None,
            fields={"part": parts[1], "qty": parts[2], "order": parts[3]},
        )


ACME = "ACME|ACME-7731-R|40|SO-99812"
