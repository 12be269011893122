"""Deterministic benchmark corpora: every supplier's labels, their wedge-damaged forms, internal labels, unknown text.

Everything comes from fixed seeds (``random.Random(42)`` and hypothesis' ``derandomize``), so two runs decode the
same strings.

Supplier labels are built from *templates*: labels shaped like the samples of ``docs/formats.md`` (Digi-Key,
Mouser, a generic EIGP-114 vendor, LCSC, TME QR and DataMatrix) with part numbers, quantities, orders and
countries varied by the seeded generator, and a :data:`SENTINEL` where the label's lot or batch goes. The
wedge-damaged forms of each template come from :func:`barcode_plugins.testing.wedge.damaged_forms` (computed once
per template: it is slow); copies are *stamped* by replacing the sentinel with a unique token, in the clean label
and in each damaged form alike. Tokens use only letters that no supported keyboard layout remaps and that are no
ECIA data-identifier letter, so a stamped damaged form is the same damage applied to the stamped clean label;
:func:`verify_templates` checks that, pair by pair, by decoding both.

All strings of a corpus are distinct, and every corpus is far larger than the decoder's caches
(``parse_ecia``: 2048 entries), so caching across scans cannot make a figure look better than it is.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import log

if TYPE_CHECKING:
    from barcode_plugins import Engine

GS, RS, EOT = "\x1d", "\x1e", "\x04"
SEED = 42
#: Letters that QWERTZ and AZERTY type unchanged and that are no ECIA data-identifier letter.
TOKEN_ALPHABET = "BCEFGHJNRUX"
TOKEN_WIDTH = 6  # 11**6 = 1,771,561 distinct tokens
SENTINEL = "JXJXJX"
TEMPLATES_PER_KIND = 8
#: Forms whose name contains one of these may read several ways; ``AmbiguousBarcode`` is then a right answer.
LOSSY_MARKERS = ("dropped-separators",)

_MPN_FAMILIES = (
    "STM32F103C8T6",
    "NE555DR",
    "LM358DR",
    "0603WAF1002T5E",
    "1N4148W-7-F",
    "TPS62130RGTR",
    "ATMEGA328P-AU",
    "GRM188R71H104KA93D",
    "BSS138",
    "AO3400A",
    "ESP32-WROOM-32E",
    "CL10A106KP8NNNC",
    "RC0603FR-0710KL",
    "MCP2551-I/SN",
    "SN74HC595N",
    "LM1117IMPX-3.3",
    "USBLC6-2SC6",
    "TLV70033DDCR",
    "B0520LW-7-F",
    "FT232RL-REEL",
)
_MANUFACTURERS = (
    "Texas Instruments",
    "STMicroelectronics",
    "Nexperia",
    "Microchip Technology",
    "onsemi",
    "Vishay",
    "Murata Electronics",
    "Yageo",
    "ROHM Semiconductor",
    "Littelfuse Inc.",
)
_COUNTRIES = ("CN", "US", "MY", "TW", "JP", "DE", "PH", "TH", "MX", "KR")
_WORDS = ("pallet", "shelf", "bin", "tote", "asset", "cable", "spare", "return", "sample", "rework", "drawer")


def token(number: int) -> str:
    """The unique stamp for copy ``number``: :data:`TOKEN_WIDTH` letters of :data:`TOKEN_ALPHABET`."""
    letters = []
    for _ in range(TOKEN_WIDTH):
        number, digit = divmod(number, len(TOKEN_ALPHABET))
        letters.append(TOKEN_ALPHABET[digit])
    return "".join(reversed(letters))


# -- label generators (one template per call) -------------------------------------------------------------------
def _mpn(rng: random.Random) -> str:
    """A realistic manufacturer part number: a known family with some digits varied."""
    family = rng.choice(_MPN_FAMILIES)
    return "".join(rng.choice("0123456789") if c.isdigit() and rng.random() < 0.3 else c for c in family)


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _envelope(elements: list[tuple[str, str]], header: str, trailer: str) -> str:
    return header + GS.join(identifier + value for identifier, value in elements) + trailer


def digikey_label(rng: random.Random) -> str:
    """A Digi-Key label like the sample: ``P``...``-ND`` (or newer ``30P``), K, 1K, 10K, 11K, 4L, Q, Z fields."""
    part = f"{rng.randint(1, 9999)}-{rng.randint(1000, 99999)}-{rng.choice(['1', '2', '5', '6'])}-ND"
    mpn = _mpn(rng)
    elements = [("P", part), ("1P", mpn)] if rng.random() < 0.7 else [("P", part), ("1P", mpn), ("30P", part)]
    elements += [("K", rng.choice(["", f"PO-{rng.randint(1, 9999):04d}"])), ("1K", _digits(rng, 8))]
    elements += [("10K", _digits(rng, 8)), ("1T", SENTINEL), ("11K", "1"), ("4L", rng.choice(_COUNTRIES))]
    elements += [("Q", str(rng.randint(1, 5000))), ("11Z", "PICK"), ("12Z", _digits(rng, 7))]
    elements += [("13Z", _digits(rng, 6)), ("20Z", "0" * rng.randint(0, 40))]
    return _envelope(elements, f"[)>{RS}06{GS}", rng.choice(["", f"{RS}{EOT}"]))


def mouser_label(rng: random.Random) -> str:
    """A Mouser label like the sample: K, 14K, 1P, Q, 11K, 4L, 1V, and a lot code."""
    elements = [("K", f"PO-{rng.randint(1, 9999):04d}"), ("14K", f"{rng.randint(1, 999):03d}"), ("1P", _mpn(rng))]
    elements += [("Q", str(rng.randint(1, 5000))), ("11K", "0" + _digits(rng, 8)), ("4L", rng.choice(_COUNTRIES))]
    elements += [("1V", rng.choice(_MANUFACTURERS)), ("1T", SENTINEL)]
    return _envelope(elements, f"[)>{RS}06{GS}", f"{RS}{EOT}")


def generic_ecia_label(rng: random.Random) -> str:
    """Any other EIGP-114 vendor, like the generic sample: K, 1P, Q, 1T, 10D, 4L."""
    elements = [("K", f"PO-{rng.randint(1, 9999)}"), ("1P", _mpn(rng)), ("Q", str(rng.randint(1, 5000)))]
    elements += [("1T", SENTINEL), ("10D", f"{rng.randint(19, 25)}{rng.randint(1, 52):02d}")]
    elements += [("4L", rng.choice(_COUNTRIES))]
    return _envelope(elements, f"[)>{RS}06{GS}", f"{RS}{EOT}")


def lcsc_label(rng: random.Random) -> str:
    """An LCSC QR label like the sample; the picking batch carries the stamp."""
    return (
        f"{{pbn:PICK{SENTINEL},on:SO{_digits(rng, 10)},pc:C{rng.randint(1, 3_000_000)},pm:{_mpn(rng)},"
        f"qty:{rng.randint(1, 5000)},mc:,cc:1,pdi:{_digits(rng, 8)},hp:0,wc:{rng.choice(['JS', 'ZH', 'HK'])}}}"
    )


def tme_qr_label(rng: random.Random) -> str:
    """A TME QR label like the sample, with a ``LOT:`` token carrying the stamp."""
    symbol = f"{_mpn(rng)}-{rng.choice(['DIO', 'SMD', 'TR'])}"
    return (
        f"QTY:{rng.randint(1, 5000)} PN:{symbol} PO:{_digits(rng, 8)}/{rng.randint(1, 40)}"
        f" CPO:PO-2024-{rng.randint(1, 9999):04d} MFR:{rng.choice(['VISHAY', 'NEXPERIA', 'ONSEMI'])}"
        f" MPN:{_mpn(rng)} LOT:{SENTINEL} RoHS https://www.tme.eu/details/{symbol.lower()}"
    )


def tme_datamatrix_label(rng: random.Random) -> str:
    """A TME DataMatrix like the sample (data identifiers separated by spaces), with a lot code."""
    symbol = f"{_mpn(rng)}-{rng.choice(['DIO', 'SMD', 'TR'])}"
    return f"P{symbol} 1P{_mpn(rng)} Q{rng.randint(1, 5000)} K{_digits(rng, 8)}/{rng.randint(1, 40)} 1T{SENTINEL}"


#: Supplier label kinds and their generators.
SUPPLIER_KINDS: dict[str, Callable[[random.Random], str]] = {
    "digikey": digikey_label,
    "mouser": mouser_label,
    "generic-ecia": generic_ecia_label,
    "lcsc": lcsc_label,
    "tme-qr": tme_qr_label,
    "tme-datamatrix": tme_datamatrix_label,
}


def internal_label(rng: random.Random, number: int) -> str:
    """Our own label: JSON ``{"stockitem": N}`` or the short ``bp:TYPE:N``."""
    item_type = rng.choice(("stockitem", "stockitem", "stockitem", "part", "location", "supplierpart"))
    if rng.random() < 0.5:
        return f'{{"{item_type}": {number}}}'
    return f"bp:{item_type}:{number}"


def unknown_text(rng: random.Random, number: int) -> str:
    """Text no plugin decodes: EAN-13, asset tags, URLs, words, a GS1 human-readable string, foreign JSON."""
    shape = rng.randrange(6)
    if shape == 0:
        return f"{400_000_000_000 + number * 7919 % 10**11:013d}"
    if shape == 1:
        return f"ASSET-{number:07d}"
    if shape == 2:
        return f"https://example.com/inventory/item/{number}?ref=qr"
    if shape == 3:
        return f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} {number}"
    if shape == 4:
        return f"(01)0950110{number:07d}(17)2512{rng.randint(10, 28)}(10)L{number}"
    return f'{{"sku": "X-{number}"}}'


# -- templates and their damaged forms --------------------------------------------------------------------------
@dataclass
class Template:
    """A clean label with the :data:`SENTINEL` where its stamp goes, and its damaged forms by name."""

    kind: str
    clean: str
    forms: dict[str, str]
    rejected: dict[str, str] = field(default_factory=dict)

    def stamp(self, form: str, number: int) -> tuple[str, str]:
        """``(clean copy, damaged copy)`` number ``number`` of the named form."""
        mark = token(number)
        return self.clean.replace(SENTINEL, mark), self.forms[form].replace(SENTINEL, mark)


def is_lossy(form: str) -> bool:
    """Whether a form may legitimately read several ways (then ``AmbiguousBarcode`` is the right answer)."""
    from barcode_plugins.testing import wedge

    if any(marker in form for marker in LOSSY_MARKERS):
        return True
    return bool(getattr(wedge, "is_lossy", lambda name: False)(form))


def build_templates(per_kind: int = TEMPLATES_PER_KIND, formats: Any = None) -> list[Template]:
    """``per_kind`` templates of every supplier kind with all their damaged forms (lossy ones included);
    ``formats`` (``Engine.formats``) makes the keyboard-layout forms of the plugins' own text formats."""
    from barcode_plugins.testing.wedge import damaged_forms

    options = {} if formats is None else {"formats": formats}
    rng = random.Random(SEED)
    templates = []
    for kind, generate in SUPPLIER_KINDS.items():
        for _ in range(per_kind):
            clean = generate(rng)
            forms = {
                name: text for name, text in damaged_forms(clean, lossy=True, **options).items() if name != "clean"
            }
            usable = {name: text for name, text in forms.items() if text.count(SENTINEL) == 1}
            rejected = {name: "stamp not found once" for name in forms if name not in usable}
            templates.append(Template(kind, clean, usable, rejected))
    return templates


def verify_templates(engine: Engine, templates: list[Template]) -> dict[str, Any]:
    """Decode one stamped copy of every (template, form) and its clean copy; drop forms that do not match.

    A form is kept when both decode to the same result and barcode hash, or when the form is lossy and the
    engine reports it as ambiguous. Returns counts, and the rejected (kind, form, reason) triples.
    """
    checked = kept = ambiguous = 0
    failures: list[tuple[str, str, str]] = []
    for template in templates:
        for name in list(template.forms):
            checked += 1
            clean, damaged = template.stamp(name, 0)
            reason = _mismatch(engine, clean, damaged, name)
            if reason is None:
                kept += 1
                continue
            if reason == "ambiguous":
                ambiguous += 1
                kept += 1
                continue
            failures.append((template.kind, name, reason))
            template.rejected[name] = reason
            del template.forms[name]
    return {"checked": checked, "kept": kept, "ambiguous_lossy": ambiguous, "failures": failures}


def _mismatch(engine: Engine, clean: str, damaged: str, name: str) -> str | None:
    """``None`` if ``damaged`` decodes like ``clean``; ``"ambiguous"`` for an accepted lossy ambiguity; else why."""
    from barcode_plugins import AmbiguousBarcode, BarcodeError

    expected = engine.decode(clean)
    try:
        got = engine.decode(damaged)
    except AmbiguousBarcode:
        return "ambiguous" if is_lossy(name) else "ambiguous (lossless form)"
    except BarcodeError as error:
        return f"{type(error).__name__}: {error.message[:60]}"
    if got.barcode_hash != expected.barcode_hash:
        return f"different hash (decoded by {got.plugin}, kind {got.kind})"
    return None


# -- corpora ----------------------------------------------------------------------------------------------------
@dataclass
class Corpus:
    """Strings to decode, with a category for each (for breakdowns)."""

    texts: list[str]
    categories: list[str]

    def __len__(self) -> int:
        return len(self.texts)

    def distinct(self) -> int:
        """How many distinct strings (all of them, by construction)."""
        return len(set(self.texts))

    def by_category(self) -> dict[str, list[str]]:
        """The strings grouped by category."""
        groups: dict[str, list[str]] = {}
        for text, category in zip(self.texts, self.categories, strict=True):
            groups.setdefault(category, []).append(text)
        return groups


@dataclass
class WedgePairs:
    """Clean labels and one damaged form of each, index by index, with the form's name."""

    clean: list[str]
    damaged: list[str]
    forms: list[str]
    kinds: list[str]


class Stamper:
    """Hands out stamp numbers so that no two strings of a run share one."""

    def __init__(self, start: int = 1) -> None:
        self.next = start

    def take(self) -> int:
        """A stamp number never handed out before."""
        number = self.next
        self.next += 1
        return number


def wedge_pairs(templates: list[Template], count: int, stamper: Stamper) -> WedgePairs:
    """``count`` (clean, damaged) pairs: templates in turn, and for each template its forms in turn."""
    pairs = WedgePairs([], [], [], [])
    usable = [template for template in templates if template.forms]
    turns = [0] * len(usable)
    for index in range(count):
        slot = index % len(usable)
        template = usable[slot]
        names = sorted(template.forms)
        name = names[turns[slot] % len(names)]
        turns[slot] += 1
        clean, damaged = template.stamp(name, stamper.take())
        pairs.clean.append(clean)
        pairs.damaged.append(damaged)
        pairs.forms.append(name)
        pairs.kinds.append(template.kind)
    return pairs


def plugin_examples(per_plugin: int, home: Path | None = None) -> dict[str, list[str]]:
    """Label texts drawn from every installed plugin's ``barcode_examples`` strategy, derandomised.

    ``home``: where hypothesis may keep its files (default: ``.hypothesis`` in the working directory).
    """
    if per_plugin <= 0:
        return {}
    if home is not None:
        from hypothesis.configuration import set_hypothesis_home_dir

        set_hypothesis_home_dir(str(home))
    from barcode_plugins.hooks.manager import PluginManager

    manager = PluginManager()
    drawn: dict[str, list[str]] = {}
    for impl in manager.implementations("barcode_examples"):
        strategy = impl.function()
        if strategy is not None:
            drawn[impl.plugin_name] = list(dict.fromkeys(_draw(strategy, per_plugin)))
    return drawn


def _draw(strategy: Any, count: int) -> list[str]:
    """``count`` example texts from a strategy: hypothesis' generate phase with a fixed seed."""
    from hypothesis import HealthCheck, Phase, given, settings

    texts: list[str] = []

    @settings(
        derandomize=True,
        database=None,
        max_examples=count,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(strategy)
    def collect(example: Any) -> None:
        texts.append(example.text)

    collect()
    return texts


def mixed_corpus(size: int, templates: list[Template], examples: dict[str, list[str]], stamper: Stamper) -> Corpus:
    """The mixed corpus: 40% clean supplier labels (plugin examples included), 30% wedge-damaged, 15% internal,
    15% unknown text, shuffled with a fixed seed."""
    rng = random.Random(SEED + 1)
    texts: list[str] = []
    categories: list[str] = []
    drawn = [(f"example-{plugin}", text) for plugin, found in examples.items() for text in found]
    drawn = [(category, text) for category, text in drawn if not category.endswith("-internal")]
    supplier_count = int(size * 0.40)
    for _category, text in drawn[:supplier_count]:
        texts.append(text)
        categories.append("supplier-clean")
    pairs = wedge_pairs(templates, supplier_count - len(texts) + int(size * 0.30), stamper)
    clean_needed = supplier_count - len(texts)
    texts += pairs.clean[:clean_needed]
    categories += ["supplier-clean"] * clean_needed
    texts += pairs.damaged[clean_needed:]
    categories += ["wedge-damaged"] * (len(pairs.damaged) - clean_needed)
    internal = int(size * 0.15)
    for _ in range(internal):
        texts.append(internal_label(rng, stamper.take()))
        categories.append("internal")
    while len(texts) < size:
        texts.append(unknown_text(rng, stamper.take()))
        categories.append("unknown")
    order = list(range(len(texts)))
    rng.shuffle(order)
    return Corpus([texts[i] for i in order], [categories[i] for i in order])


def stream_lines(templates: list[Template], count: int, start: int) -> Iterator[str]:
    """``count`` distinct one-line scans (clean, damaged, internal, unknown) for streaming through the CLI."""
    rng = random.Random(SEED + 2)
    single_line = [
        (template, name)
        for template in templates
        for name in sorted(template.forms)
        if "\n" not in template.forms[name] and "\r" not in template.forms[name]
    ]
    for number in range(start, start + count):
        choice = number % 20
        if choice < 8:
            template = templates[number % len(templates)]
            yield template.clean.replace(SENTINEL, token(number))
        elif choice < 14:
            template, name = single_line[number % len(single_line)]
            yield template.stamp(name, number)[1]
        elif choice < 17:
            yield internal_label(rng, number)
        else:
            yield unknown_text(rng, number)


def describe(templates: list[Template]) -> str:
    """One line: how many templates and forms the corpora were stamped from."""
    forms = sum(len(template.forms) for template in templates)
    rejected = sum(len(template.rejected) for template in templates)
    return f"{len(templates)} templates ({', '.join(SUPPLIER_KINDS)}), {forms} damaged forms kept, {rejected} dropped"


def build(
    engine: Engine, plugin_example_count: int, workdir: Path | None = None, per_kind: int = TEMPLATES_PER_KIND
) -> tuple[list[Template], dict[str, Any], dict[str, list[str]]]:
    """Templates (``per_kind`` of each kind, verified) and plugin examples (hypothesis' files go to ``workdir``);
    logs what it does."""
    log("corpus: building templates and their wedge-damaged forms")
    # formats None: a core without label_formats
    templates = build_templates(per_kind, formats=getattr(engine, "formats", None))
    verification = verify_templates(engine, templates)
    log(f"corpus: {describe(templates)}")
    log(f"corpus: drawing {plugin_example_count} examples per plugin from barcode_examples (derandomised)")
    examples = plugin_examples(plugin_example_count, workdir / "hypothesis" if workdir else None)
    return templates, verification, examples
