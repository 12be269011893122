"""Decoding: ``Engine.decode`` over the mixed corpus against a plain split loop, and wedge-damaged against clean."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import corpus
from harness import (
    Config,
    Figure,
    Section,
    clear_decode_caches,
    fmt_rate,
    fmt_us,
    interleaved,
    log,
    median,
    per_item_us,
    rate,
    time_ns,
)

if TYPE_CHECKING:
    from barcode_plugins import Engine

GS = "\x1d"
EXPECTED_DECODERS = {"internal", "digikey", "mouser", "lcsc", "tme", "ecia"}


def split_fields(text: str) -> dict[str, str]:
    """The baseline: split a scan on its separators into a dict, as a hand-written reader would.

    ECIA on GS (first two characters as the key), an LCSC brace list on commas, everything else on spaces
    (``key:value`` tokens).
    """
    fields: dict[str, str] = {}
    if GS in text:
        for piece in text.split(GS):
            fields[piece[:2]] = piece[2:]
        return fields
    pieces = text[1:-1].split(",") if text[:1] == "{" else text.split(" ")
    for piece in pieces:
        key, _, value = piece.partition(":")
        fields[key] = value
    return fields


def split_all(texts: Iterable[str]) -> None:
    """The baseline loop."""
    for text in texts:
        split_fields(text)


def contract_all(texts: Iterable[str]) -> None:
    """The contract's floor: the split loop, plus what any decoder owes per scan whatever it parses — one
    ``Decoded`` result (the attrs model of the contract) and the SHA-256 barcode hash. No repair, no recognition,
    no field mapping."""
    from barcode_plugins import Decoded

    sha256 = hashlib.sha256
    for text in texts:
        Decoded(
            plugin=None,
            kind="external",
            fields=split_fields(text),
            raw=text,
            barcode_hash=sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        )


def decode_all(engine: Engine, texts: Iterable[str]) -> int:
    """Decode every text; returns how many raised a :class:`BarcodeError` (ambiguous, refused, ...)."""
    from barcode_plugins import BarcodeError

    decode = engine.decode
    errors = 0
    for text in texts:
        try:
            decode(text)
        except BarcodeError:
            errors += 1
    return errors


def _variant(function: Callable[[], object]) -> Callable[[], int]:
    return lambda: time_ns(function)


def _cold(function: Callable[[], object]) -> Callable[[], int]:
    # Every round starts with the decoder's caches empty: each scan is decoded as if seen for the first time
    # (the corpus is distinct, but a cache as large as a small corpus would otherwise serve the later rounds).
    def timed() -> int:
        clear_decode_caches()
        return time_ns(function)

    return timed


def run_mixed(engine: Engine, config: Config, mixed: corpus.Corpus) -> Section:
    """Figure: decodes/s through ``Engine.decode`` on the mixed corpus, against the split loop."""
    section = Section("decode")
    texts = mixed.texts
    loaded = {impl.plugin_name for impl in engine.plugins.implementations("decode")}
    errors = decode_all(engine, texts)  # warm-up: loads plugins, compiles expressions
    split_all(texts)
    log(f"decode: {len(texts):,} distinct strings, {config.rounds} interleaved rounds")
    contract_all(texts)
    samples = interleaved(
        {
            "ours": _cold(lambda: decode_all(engine, texts)),
            "baseline": _variant(lambda: split_all(texts)),
            "floor": _variant(lambda: contract_all(texts)),
        },
        config.rounds,
    )
    ours, base, floor = median(samples["ours"]), median(samples["baseline"]), median(samples["floor"])
    ratio = ours / base
    section.figures.append(
        Figure(
            key="decode.mixed",
            title="decode: Engine.decode, mixed corpus",
            ratio=ratio,
            ratio_unit="x baseline time",
            target="<= 3x (about >= 100,000/s)",
            met=ratio <= 3.0,
            ours=f"{fmt_rate(rate(ours, len(texts)))} ({fmt_us(per_item_us(ours, len(texts)))}/scan)",
            baseline=f"split loop {fmt_rate(rate(base, len(texts)))} ({fmt_us(per_item_us(base, len(texts)))})",
            values={
                "ours_ns_per_scan": ours / len(texts),
                "baseline_ns_per_scan": base / len(texts),
                "ours_per_second": rate(ours, len(texts)),
                "baseline_per_second": rate(base, len(texts)),
                "rounds_ns": samples,
                "corpus": len(texts),
                "distinct": mixed.distinct(),
                "errors_per_pass": errors,
                "decoders": sorted(loaded),
            },
        )
    )
    section.figures.append(
        Figure(
            key="decode.floor",
            title="decode: the contract's floor (split loop + one Decoded + SHA-256), context for the row above",
            ratio=floor / base,
            ratio_unit="x baseline time",
            target="none (what <= 3x leaves for parsing)",
            met=None,
            ours=f"{fmt_rate(rate(floor, len(texts)))} ({fmt_us(per_item_us(floor, len(texts)))}/scan)",
            baseline=f"split loop {fmt_us(per_item_us(base, len(texts)))}; Engine.decode is {ours / floor:.1f}x this",
            values={"floor_ns_per_scan": floor / len(texts), "ours_vs_floor": ours / floor},
        )
    )
    section.details.append(
        f"the floor: building the contract's result and hash costs {floor / base:.2f}x the split loop before any"
        f" wedge repair, recognition or field mapping, so <= 3x leaves {max(3 - floor / base, 0):.2f}x the loop"
        f" ({fmt_us(max(3 * base - floor, 0) / len(texts) / 1000)}/scan) for all of them"
    )
    missing = EXPECTED_DECODERS - loaded
    section.details.append(
        f"mixed corpus: {len(texts):,} strings, {mixed.distinct():,} distinct (parse_ecia cache: 2048 entries);"
        f" {errors} raise per pass (ambiguous run-together labels, refused internal JSON);"
        f" decoders: {', '.join(sorted(loaded))}" + (f"; MISSING {', '.join(sorted(missing))}" if missing else "")
    )
    section.details.extend(_category_breakdown(engine, config, mixed))
    section.figures.append(_idle_plugins(config, texts, floor))
    return section


IDLE_PLUGINS = 20


def _idle_engine(count: int) -> Engine:
    """An engine with every installed plugin plus ``count`` that claim nothing: each declares a text format of its
    own (so the engine never asks its decoder about other suppliers' scans), and would answer None anyway."""
    import barcode_plugins
    from barcode_plugins import Engine, hookimpl
    from barcode_plugins.hooks.manager import PluginManager

    class IdlePlugin:
        def __init__(self, number: int) -> None:
            self.prefix = f"IDLE{number:02d}|"

        @hookimpl
        def decode(self, text: str) -> None:
            return None

    class DeclaringIdlePlugin(IdlePlugin):
        @hookimpl
        def label_formats(self) -> list[Any]:
            return [barcode_plugins.LabelFormat.text(self.prefix[:-1].lower(), start=re.escape(self.prefix))]

    # A core without the label_formats hook (an older checkout, for before/after figures) gets decoders only.
    idle = DeclaringIdlePlugin if hasattr(barcode_plugins, "LabelFormat") else IdlePlugin
    manager = PluginManager()
    for number in range(count):
        manager.register(idle(number), f"idle{number:02d}")
    return Engine(":memory:", plugins=manager)


def _idle_plugins(config: Config, texts: list[str], floor: float) -> Figure:
    """Figure: the mixed corpus with 20 installed plugins that claim nothing, against none."""
    plain, idle = _idle_engine(0), _idle_engine(IDLE_PLUGINS)
    decode_all(plain, texts)
    decode_all(idle, texts)
    samples = interleaved(
        {"idle": _cold(lambda: decode_all(idle, texts)), "none": _cold(lambda: decode_all(plain, texts))},
        config.rounds,
    )
    with_idle, without = median(samples["idle"]), median(samples["none"])
    ratio = with_idle / without
    return Figure(
        key="decode.idle_plugins",
        title=f"decode: {IDLE_PLUGINS} installed plugins that claim nothing vs none, mixed corpus",
        ratio=ratio,
        ratio_unit="x without them",
        target="<= 1.05x",
        met=ratio <= 1.05,
        ours=f"{fmt_us(per_item_us(with_idle, len(texts)))}/scan ({with_idle / floor:.1f}x the floor)",
        baseline=f"{fmt_us(per_item_us(without, len(texts)))}/scan without them",
        values={"idle_ns_per_scan": with_idle / len(texts), "none_ns_per_scan": without / len(texts)},
    )


def _category_breakdown(engine: Engine, config: Config, mixed: corpus.Corpus) -> list[str]:
    """µs per decode by category of the mixed corpus (median of the rounds)."""
    lines = []
    for category, texts in sorted(mixed.by_category().items()):
        rounds = [_cold(lambda texts=texts: decode_all(engine, texts))() for _ in range(config.rounds)]
        base = [time_ns(lambda texts=texts: split_all(texts)) for _ in range(config.rounds)]
        ours_us = per_item_us(median(rounds), len(texts))
        base_us = per_item_us(median(base), len(texts))
        lines.append(
            f"  {category:<15} {len(texts):>6,} strings  {fmt_us(ours_us):>10}/decode"
            f"  (split loop {fmt_us(base_us)}, {ours_us / base_us:5.1f}x)"
        )
    return ["decode cost by category:", *lines]


def run_wedge(engine: Engine, config: Config, pairs: corpus.WedgePairs) -> Section:
    """Figure: wedge-damaged forms against the same labels clean (one damaged form per label)."""
    section = Section("wedge")
    decode_all(engine, pairs.clean)
    decode_all(engine, pairs.damaged)
    count = len(pairs.clean)
    log(f"wedge: {count:,} labels clean and damaged, {config.rounds} interleaved rounds")
    samples = interleaved(
        {
            "damaged": _cold(lambda: decode_all(engine, pairs.damaged)),
            "clean": _cold(lambda: decode_all(engine, pairs.clean)),
        },
        config.rounds,
    )
    damaged, clean = median(samples["damaged"]), median(samples["clean"])
    ratio = damaged / clean
    section.figures.append(
        Figure(
            key="decode.wedge",
            title="decode: wedge-damaged vs clean",
            ratio=ratio,
            ratio_unit="x clean time",
            target="<= 2x",
            met=ratio <= 2.0,
            ours=f"damaged {fmt_us(per_item_us(damaged, count))}/scan ({fmt_rate(rate(damaged, count))})",
            baseline=f"clean {fmt_us(per_item_us(clean, count))}/scan ({fmt_rate(rate(clean, count))})",
            values={
                "damaged_ns_per_scan": damaged / count,
                "clean_ns_per_scan": clean / count,
                "rounds_ns": samples,
                "labels": count,
                "forms": len(set(pairs.forms)),
            },
        )
    )
    section.figures.append(_clean_against_floor(engine, config, pairs.clean))
    breakdown, data = _form_breakdown(engine, pairs)
    section.details.append(
        f"wedge corpus: {count:,} labels ({', '.join(corpus.SUPPLIER_KINDS)}), one damaged form each, the"
        f" {len(set(pairs.forms))} forms of testing/wedge.py in turn"
    )
    section.details.extend(breakdown)
    section.data["forms"] = data
    return section


def _form_breakdown(engine: Engine, pairs: corpus.WedgePairs) -> tuple[list[str], dict[str, Any]]:
    """Cost of each damaged form relative to the same labels clean (one pass each, every subset with the decoder's
    caches emptied first)."""
    groups: dict[str, list[int]] = {}
    for index, form in enumerate(pairs.forms):
        groups.setdefault(form, []).append(index)
    damaged = {form: _timed_subset(engine, pairs.damaged, indexes) for form, indexes in groups.items()}
    clean = {form: _timed_subset(engine, pairs.clean, indexes) for form, indexes in groups.items()}
    rows = sorted(groups, key=lambda form: damaged[form] / clean[form], reverse=True)
    lines = ["cost of each wedge form (µs per scan; x = the same labels clean), costliest first:"]
    data: dict[str, Any] = {}
    for form in rows:
        count = len(groups[form])
        ours_us, clean_us = per_item_us(damaged[form], count), per_item_us(clean[form], count)
        data[form] = {"labels": count, "damaged_us": ours_us, "clean_us": clean_us}
        lines.append(f"  {form:<48} {count:>5}  {fmt_us(ours_us):>10}  {ours_us / clean_us:5.1f}x")
    return lines, data


def _timed_subset(engine: Engine, texts: list[str], indexes: list[int]) -> int:
    subset = [texts[index] for index in indexes]
    return _cold(lambda: decode_all(engine, subset))()


def _clean_against_floor(engine: Engine, config: Config, clean: list[str]) -> Figure:
    """Figure: clean supplier labels through ``Engine.decode`` against the contract's floor on the same labels."""
    contract_all(clean)
    samples = interleaved(
        {"clean": _cold(lambda: decode_all(engine, clean)), "floor": _variant(lambda: contract_all(clean))},
        config.rounds,
    )
    ours, floor = median(samples["clean"]), median(samples["floor"])
    ratio = ours / floor
    return Figure(
        key="decode.clean",
        title="decode: clean supplier labels vs the contract's floor (split + one Decoded + SHA-256)",
        ratio=ratio,
        ratio_unit="x floor time",
        target="<= 3x",
        met=ratio <= 3.0,
        ours=f"{fmt_us(per_item_us(ours, len(clean)))}/label ({fmt_rate(rate(ours, len(clean)))})",
        baseline=f"floor {fmt_us(per_item_us(floor, len(clean)))}/label",
        values={"clean_ns_per_label": ours / len(clean), "floor_ns_per_label": floor / len(clean)},
    )
