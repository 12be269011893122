"""Reading barcodes from pictures: time per image at 1 and 12 megapixels against zxing-cpp called directly in the
same run, the smallest module size that still reads, and what fails to read.

    python benchmarks/bench_images.py            # about 30 s on 2 cores
    python benchmarks/bench_images.py --rounds 3 # quicker, noisier
    python benchmarks/bench_images.py --smoke    # a few seconds: checks that it runs, no figure to trust

Needs the ``images`` extra. Standalone (not part of ``run.py``): image decoding is a different budget from the
text decoders', and this script only reports; it judges nothing.

Timings are interleaved round by round (ours, direct, then direct, ours, ...) and the median is reported:
- *ours from the file*: ``Engine.decode_image(path)``: open and decode the JPEG, grey levels, zxing-cpp, decode the
  text through the plugins;
- *direct from the file*: ``PIL.Image.open(path)`` then ``zxingcpp.read_barcodes(image)``, nothing else;
- *ours / direct in memory*: the same from an already-loaded Pillow image (what our wrapping itself costs);
- *grey only*: zxing-cpp on the image already converted to grey levels, the floor (we convert before calling it,
  which is why *ours* can beat *direct*: zxing-cpp is slower on an RGB Pillow image than Pillow's conversion).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import zxingcpp
from PIL import Image, ImageDraw, ImageFilter

from barcode_plugins import Engine

GS, RS, EOT = "\x1d", "\x1e", "\x04"
DIGIKEY = (
    f"[)>{RS}06{GS}P497-1234-1-ND{GS}1PSTM32F103C8T6{GS}K{GS}1K81234567{GS}10K98765432{GS}11K1{GS}4LCN{GS}Q25"
    f"{GS}11ZPICK{GS}12Z7654321{GS}13Z123456{GS}20Z0000000000"
)
LCSC = "{pbn:PICK2311070042,on:SO2311070042,pc:C25804,pm:0603WAF1002T5E,qty:100,mc:,cc:1,pdi:98765432,hp:0,wc:JS}"
FORMATS = {"DataMatrix": zxingcpp.BarcodeFormat.DataMatrix, "QRCode": zxingcpp.BarcodeFormat.QRCode}


def symbol(text: str, symbology: str = "DataMatrix", module: int = 1) -> Image.Image:
    """A clean symbol drawn by zxing-cpp, ``module`` pixels per module, quiet zone included."""
    options = {"force_square": True} if symbology == "DataMatrix" else {}
    bitmap = memoryview(zxingcpp.create_barcode(text, FORMATS[symbology], **options).to_image(scale=module))
    return Image.frombytes("L", (bitmap.shape[1], bitmap.shape[0]), bitmap.tobytes())


def at_module_size(text: str, symbology: str, pixels_per_module: float) -> Image.Image:
    """The symbol resampled to a fractional module size (as a camera sees it), on a white margin."""
    sharp = symbol(text, symbology, 20)
    modules = sharp.width / 20
    side = max(1, round(modules * pixels_per_module))
    small = sharp.resize((side, side), Image.Resampling.LANCZOS)
    canvas = Image.new("L", (side + 40, side + 40), 255)
    canvas.paste(small, (20, 20))
    return canvas


def photo(width: int, height: int, labels: int, module: int, seed: int = 1) -> Image.Image:
    """A bench photographed: grey clutter and ``labels`` white labels with a DataMatrix each, turned a little."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), (140, 130, 120))
    draw = ImageDraw.Draw(image)
    for _ in range(width * height // 20_000):
        x, y = rng.randrange(width), rng.randrange(height)
        grey = rng.randrange(40, 230)
        draw.line((x, y, x + rng.randrange(-300, 300), y + rng.randrange(-300, 300)), fill=(grey,) * 3, width=4)
    for index in range(labels):
        label = symbol(DIGIKEY.replace("Q25", f"Q{index + 1}"), "DataMatrix", module)
        framed = Image.new("L", (label.width + 60, label.height + 60), 255)
        framed.paste(label, (30, 30))
        turned = framed.rotate(rng.uniform(-30, 30), expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
        # A grid of cells, one label in each at a random spot inside it.
        across = 3 if labels > 1 else 1
        down = (labels + across - 1) // across
        cell_width, cell_height = width // across, height // down
        x = (index % across) * cell_width + rng.randrange(0, max(1, cell_width - turned.width))
        y = (index // across) * cell_height + rng.randrange(0, max(1, cell_height - turned.height))
        image.paste(turned.convert("RGB"), (x, y))
    return image.filter(ImageFilter.GaussianBlur(0.7))


def interleaved(candidates: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median seconds per call, candidates alternated round by round (order reversed every other round)."""
    times: dict[str, list[float]] = {name: [] for name in candidates}
    names = list(candidates)
    for round_number in range(rounds):
        for name in names if round_number % 2 == 0 else reversed(names):
            start = time.perf_counter()
            candidates[name]()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


PICTURES = (
    ("1 MP (1155 x 866), 1 label", (1155, 866), 1, 5),
    ("12 MP (4000 x 3000), 1 label", (4000, 3000), 1, 10),
    ("12 MP (4000 x 3000), 6 labels", (4000, 3000), 6, 10),
)


def timings(
    engine: Engine, workdir: Path, rounds: int, pictures: tuple[tuple[str, tuple[int, int], int, int], ...]
) -> None:
    print("time per image (median of interleaved rounds)")
    print(
        f"{'image':<34} {'ours file':>10} {'direct file':>12} {'ratio':>6} {'ours mem':>9}"
        f" {'direct mem':>11} {'ratio':>6} {'grey only':>11}"
    )
    for label, (width, height), labels, module in pictures:
        picture = photo(width, height, labels, module)
        path = workdir / f"{width}x{height}-{labels}.jpg"
        picture.save(path, quality=90)
        loaded = Image.open(path)
        loaded.load()
        grey = loaded.convert("L")
        found = engine.decode_image(path)
        direct_found = zxingcpp.read_barcodes(loaded)
        assert len(found) == len(direct_found), (label, len(found), len(direct_found))

        def direct_file(path: Path = path) -> object:
            with Image.open(path) as image:
                return zxingcpp.read_barcodes(image)

        medians = interleaved(
            {
                "ours file": lambda path=path: engine.decode_image(path),  # type: ignore[misc]
                "direct file": direct_file,
                "ours mem": lambda loaded=loaded: engine.decode_image(loaded),  # type: ignore[misc]
                "direct mem": lambda loaded=loaded: zxingcpp.read_barcodes(loaded),  # type: ignore[misc]
                "direct grey": lambda grey=grey: zxingcpp.read_barcodes(grey),  # type: ignore[misc]
            },
            rounds,
        )
        ms = {name: value * 1000 for name, value in medians.items()}
        print(
            f"{label:<34} {ms['ours file']:>8.0f}ms {ms['direct file']:>10.0f}ms"
            f" {ms['ours file'] / ms['direct file']:>5.2f}x {ms['ours mem']:>7.0f}ms {ms['direct mem']:>9.0f}ms"
            f" {ms['ours mem'] / ms['direct mem']:>5.2f}x {ms['direct grey']:>10.0f}ms"
            f"   ({len(found)}/{labels} found)"
        )


def reads(engine: Engine, image: Image.Image, text: str) -> bool:
    return any(result.symbol.text == text for result in engine.decode_image(image))


def module_sizes(engine: Engine, steps: list[float]) -> None:
    print("\nsmallest module size that reads (pixels per module, LANCZOS-resampled from a sharp symbol)")
    for text, symbology, what in ((DIGIKEY, "DataMatrix", "Digi-Key DataMatrix"), (LCSC, "QRCode", "LCSC QR")):
        sharp = [size for size in steps if reads(engine, at_module_size(text, symbology, size), text)]
        blurred = [
            size
            for size in steps
            if reads(engine, at_module_size(text, symbology, size).filter(ImageFilter.GaussianBlur(size * 0.3)), text)
        ]
        print(
            f"  {what:<22} sharp: every size from {_steady(steps, sharp)} (smallest {min(sharp, default=None)});"
            f" blurred by 0.3 module: every size from {_steady(steps, blurred)}"
        )


def _steady(steps: list[float], read: list[float]) -> float | None:
    """The smallest size from which every larger size tried reads too."""
    return next((size for size in steps if all(larger in read for larger in steps if larger >= size)), None)


def failures(engine: Engine) -> None:
    print("\nwhat fails to read (Digi-Key DataMatrix, 4 px per module unless said)")
    base = at_module_size(DIGIKEY, "DataMatrix", 4)
    cases: dict[str, Callable[[], Image.Image]] = {}
    for radius in (1.0, 1.5, 2.0, 2.5, 3.0):
        cases[f"Gaussian blur radius {radius} px"] = lambda radius=radius: base.filter(  # type: ignore[misc]
            ImageFilter.GaussianBlur(radius)
        )
    for contrast in (0.5, 0.25, 0.12, 0.06):
        cases[f"contrast {contrast:.0%}"] = lambda contrast=contrast: Image.eval(  # type: ignore[misc]
            base, lambda value: round(128 + (value - 128) * contrast)
        )
    for sigma in (40, 80, 120):
        cases[f"noise sigma {sigma}"] = lambda sigma=sigma: _noisy(base, sigma)  # type: ignore[misc]
    # (left, top, right, bottom) as fractions of the symbol: glare, a smudge, a torn corner.
    for name, box in {
        "left 5% covered (the L finder)": (0, 0, 0.05, 1),
        "a band of 5% of the width, top to bottom": (0.15, 0, 0.2, 1),
        "a spot of 4% of the area, inside": (0.2, 0.2, 0.4, 0.4),
        "a spot of 9% of the area, inside": (0.2, 0.2, 0.5, 0.5),
        "a spot of 16% of the area, inside": (0.15, 0.15, 0.55, 0.55),
    }.items():
        cases[name] = lambda box=box: _covered(base, box)  # type: ignore[misc]
    cases["inverted (white on black)"] = lambda: Image.eval(base, lambda value: 255 - value)
    cases["mirrored"] = lambda: base.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    for name, make in cases.items():
        print(f"  {name:<40} {'reads' if reads(engine, make(), DIGIKEY) else 'FAILS'}")


def _noisy(image: Image.Image, sigma: float) -> Image.Image:
    rng = random.Random(5)
    data = bytes(max(0, min(255, value + round(rng.gauss(0, sigma)))) for value in image.tobytes())
    return Image.frombytes("L", image.size, data)


def _covered(image: Image.Image, box: tuple[float, float, float, float]) -> Image.Image:
    """A white patch over part of the symbol (``box`` in fractions of the symbol's side)."""
    covered = image.copy()
    side = image.width - 40
    left, top, right, bottom = (20 + side * fraction for fraction in box)
    ImageDraw.Draw(covered).rectangle((left, top, right, bottom), fill=255)
    return covered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds per candidate (default 7)")
    parser.add_argument("--smoke", action="store_true", help="one round, the small picture, few sizes: seconds")
    arguments = parser.parse_args()
    steps = [round(0.75 + 0.125 * index, 3) for index in range(19)]  # 0.75 .. 3.0 pixels per module
    print(f"zxing-cpp {version('zxing-cpp')}, Pillow {version('pillow')}, Python {sys.version.split()[0]}")
    with Engine(":memory:") as engine, tempfile.TemporaryDirectory() as workdir:
        engine.decode_image(symbol(DIGIKEY, module=4))  # warm up: plugins loaded, libraries imported
        if arguments.smoke:
            timings(engine, Path(workdir), 1, PICTURES[:1])
            module_sizes(engine, steps[::6])
        else:
            timings(engine, Path(workdir), arguments.rounds, PICTURES)
            module_sizes(engine, steps)
        failures(engine)


if __name__ == "__main__":
    main()
