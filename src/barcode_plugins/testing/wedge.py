"""What keyboard-wedge scanners make of a clean label: every damaged form (``docs/formats.md``), by name.

::

    from barcode_plugins.testing.wedge import damaged_forms

    for name, scan in damaged_forms(clean_label).items():
        assert normalize(scan).text == normalize(clean_label).text, name

``damaged_forms`` returns only the forms that still carry the whole label (a form is left out when the label's
own text would make it ambiguous, e.g. caret notation for a label whose data holds ``^]``); pass ``lossy=True``
to add the forms that may lose information (``dropped-separators``: a run-together label may read several ways,
which the engine reports as ambiguous). Form names join their parts with ``+``
(``caret-notation+layout-qwertz+trailing-crlf``), so a failing test says which damage broke.

The hypothesis strategies (:func:`ecia_labels`, :func:`damaged_scans`) import hypothesis when called; the plain
functions never need it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

from barcode_plugins.formats.ecia import (
    DATA_IDENTIFIER,
    DATA_IDENTIFIER_PATTERN,
    DATA_IDENTIFIERS,
    EOT,
    GS,
    HEADER,
    RS,
    VALUE_SHAPES,
    canonical_ecia,
    parse_ecia,
)
from barcode_plugins.formats.layouts import CORE_EVIDENCE, LAYOUTS, Layout, LayoutEvidence, damage_shows

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from barcode_plugins.formats.label_formats import FormatRegistry

#: How each scanner setting writes GS, RS and EOT (``learned-*`` forms are not in any table of the normaliser:
#: it must learn them from the envelope's header).
SEPARATOR_STYLES: Mapping[str, tuple[str, str, str]] = {
    "control-pictures": ("\u241d", "\u241e", "\u2404"),
    "caret-notation": ("^]", "^^", "^D"),
    "placeholder-angle": ("<GS>", "<RS>", "<EOT>"),
    "placeholder-angle-lowercase": ("<gs>", "<rs>", "<eot>"),
    "placeholder-brace": ("{GS}", "{RS}", "{EOT}"),
    "placeholder-bracket": ("[GS]", "[RS]", "[EOT]"),
    "placeholder-hex": ("\\x1d", "\\x1e", "\\x04"),
    "placeholder-unicode": ("\\u001d", "\\u001e", "\\u0004"),
    "learned-private-use": ("\ue01d", "\ue01e", "\ue004"),
    "learned-codepage": ("↔", "▲", "♦"),  # code page 437 glyphs of 0x1D, 0x1E, 0x04
    "learned-alt-codes": ("029", "030", "004"),  # Alt+numpad sequences typed as their digits
    "learned-one-character": ("@", "@", "@"),  # one substitute for every control character
}
#: The separator styles a text format that uses separators gets repaired (the ``learned-*`` styles are learned
#: from an ECIA envelope's header, which a text format does not have).
TEXT_SEPARATOR_STYLES: tuple[str, ...] = tuple(style for style in SEPARATOR_STYLES if not style.startswith("learned"))
#: Forms that may lose information: the normaliser recovers them when the label reads one way only.
LOSSY_FORMS: frozenset[str] = frozenset({"dropped-separators"})
#: How an envelope may start: the standard header, without its RS (as some printers write it), the old broken one.
HEADER_VARIANTS: Mapping[str, str] = {
    "header-rs": HEADER + RS,
    "header-without-rs": HEADER,
    "old-broken-header": ">" + HEADER,
}
#: How an envelope may end.
TRAILER_VARIANTS: Mapping[str, str] = {"trailer-rs-eot": RS + EOT, "trailer-rs-only": RS, "trailer-none": ""}
# Without an RS in the header the trailer is learned from the GS; a GS written as something data may hold (digits,
# one character for every control character) then leaves the end of the last value in doubt.
_HEADERLESS = frozenset({"header-without-rs", "old-broken-header"})
_WEAK_STYLES = frozenset({"learned-alt-codes", "learned-one-character"})

AIM_PREFIXES: Mapping[str, str] = {"datamatrix": "]d2", "qr": "]Q1", "code128": "]C0"}
WHITESPACE: Mapping[str, tuple[str, str]] = {
    "trailing-cr": ("", "\r"),
    "trailing-lf": ("", "\n"),
    "trailing-crlf": ("", "\r\n"),
    "trailing-tab": ("", "\t"),
    "surrounding-spaces": ("  ", " "),
}
# Alt+numpad digits come from the keypad, which no layout remaps.
_KEYPAD_STYLES = frozenset({"learned-alt-codes"})
_CONTROLS = re.compile("[\x1d\x1e\x04]")


def damaged_forms(clean: str, *, lossy: bool = False, formats: FormatRegistry | None = None) -> dict[str, str]:
    """Every wedge-damaged form of the label ``clean``, by name (``"clean"`` itself included).

    ECIA labels get every separator style, the envelope variants (trailers, header without RS, the old broken
    header), whitespace, AIM prefix, keyboard layouts and combinations of them; other labels the forms that
    apply to them (whitespace, AIM prefix, keyboard layouts where the format is recognisable, and the separator
    styles of :data:`TEXT_SEPARATOR_STYLES` where the label holds separators).

    :param formats: the installed plugins' declared formats (``Engine.formats``): what makes keyboard-layout
        damage recognisable for a format of a plugin's own; without them only the core's evidence counts.
    """
    evidence = CORE_EVIDENCE if formats is None else formats.layout_evidence
    record = parse_ecia(clean)
    forms = _text_forms(clean, evidence) if record is None else _ecia_forms(canonical_ecia(record), lossy, evidence)
    return {"clean": clean, **forms}


def is_lossy(form_name: str) -> bool:
    """Whether a form (by name) may lose information, so that an ambiguous reading is an acceptable answer."""
    parts = set(form_name.split("+"))
    return bool(parts & LOSSY_FORMS) or bool(parts & _HEADERLESS and parts & _WEAK_STYLES)


def _text_forms(clean: str, evidence: LayoutEvidence) -> dict[str, str]:
    forms: dict[str, str] = {}
    for name, (before, after) in WHITESPACE.items():
        forms[name] = before + clean + after
    if _CONTROLS.search(clean):
        for style in TEXT_SEPARATOR_STYLES:
            tokens = SEPARATOR_STYLES[style]
            if not _collides(tuple(_CONTROLS.split(clean)), tokens):
                forms[style] = clean.translate({0x1D: tokens[0], 0x1E: tokens[1], 0x04: tokens[2]})
    if not clean.startswith("]"):
        aim = AIM_PREFIXES["datamatrix"] if _looks_like_datamatrix(clean) else AIM_PREFIXES["qr"]
        forms["aim-prefix"] = aim + clean
    for layout in LAYOUTS.values():
        typed = layout.type(clean)
        if _layout_recoverable(clean, typed, layout, evidence):
            forms[f"layout-{layout.name}"] = typed
            forms[f"layout-{layout.name}+trailing-crlf"] = typed + "\r\n"
            if "aim-prefix" in forms:
                forms[f"aim-prefix+layout-{layout.name}"] = layout.type(forms["aim-prefix"])
    return forms


def _looks_like_datamatrix(clean: str) -> bool:
    # A list of data identifiers separated by spaces is printed as a DataMatrix; everything else as a QR code.
    token = DATA_IDENTIFIER_PATTERN + "[^ :]*"
    return bool(re.fullmatch(f"{token}(?: {token})*", clean))


def _ecia_forms(canonical: str, lossy: bool, evidence: LayoutEvidence) -> dict[str, str]:
    forms: dict[str, str] = {}
    for style, tokens in SEPARATOR_STYLES.items():
        substituted = _substitute(canonical, tokens)
        if substituted is not None:
            forms[style] = substituted
    envelope = {
        "trailer-rs-only": canonical[:-1],
        "trailer-none": canonical[:-2],
        "trailer-stray": canonical[:-1] + "X",
        "header-without-rs": HEADER + canonical[4:],
    }
    if canonical.startswith(HEADER + RS + "06" + GS):
        envelope["old-broken-header"] = ">" + HEADER + canonical[4:]
    forms.update(envelope)
    for name, (before, after) in WHITESPACE.items():
        forms[name] = before + canonical + after
    forms["aim-prefix"] = AIM_PREFIXES["datamatrix"] + canonical
    for layout in LAYOUTS.values():
        typed = layout.type(canonical)
        if _layout_recoverable(canonical, typed, layout, evidence):
            forms[f"layout-{layout.name}"] = typed
            forms[f"aim-prefix+layout-{layout.name}"] = layout.type(AIM_PREFIXES["datamatrix"]) + typed
    forms.update(_combined_ecia_forms(canonical, forms))
    forms.update(_header_variant_forms(canonical, forms, lossy))
    if lossy and len(parse_ecia(canonical).formats) == 1 and canonical[4:6] == "06":  # type: ignore[union-attr]
        dropped = _CONTROLS.sub("", canonical)
        forms["dropped-separators"] = dropped
        forms["dropped-separators+trailing-cr"] = dropped + "\r"
        forms["dropped-separators+aim-prefix"] = AIM_PREFIXES["datamatrix"] + dropped
        typed = LAYOUTS["qwertz"].type(dropped)
        if LAYOUTS["qwertz"].repair(typed) == dropped:
            forms["dropped-separators+layout-qwertz"] = typed
    return forms


def _header_variant_forms(canonical: str, existing: Mapping[str, str], lossy: bool) -> dict[str, str]:
    """Every header variant x every separator style x every trailer: what is learned from the header must also
    be learned for the trailer (``[)>06`` + GS ... ``4LUS^^^D`` must not keep ``^^^D``)."""
    forms: dict[str, str] = {}
    body = canonical[len(HEADER) + 1 : -2]  # from the first format to the last record, without the trailer
    seen = set(existing.values())
    for header_name, header in HEADER_VARIANTS.items():
        if header_name == "old-broken-header" and not body.startswith("06"):
            continue
        for trailer_name, trailer in TRAILER_VARIANTS.items():
            for style, tokens in SEPARATOR_STYLES.items():
                name = f"{header_name}+{style}+{trailer_name}"
                form = _substitute(header + body + trailer, tokens) if lossy or not is_lossy(name) else None
                if form is not None and form not in seen:
                    seen.add(form)
                    forms[name] = form
    return forms


def _combined_ecia_forms(canonical: str, single: Mapping[str, str]) -> dict[str, str]:
    combined: dict[str, str] = {}

    def add(name: str, make: Callable[[], str | None], *needs: str) -> None:
        if all(need in single for need in needs):
            made = make()
            if made is not None:
                combined[name] = made

    add("caret-notation+trailing-cr", lambda: single["caret-notation"] + "\r", "caret-notation")
    add(
        "control-pictures+aim-prefix+surrounding-spaces",
        lambda: "  " + AIM_PREFIXES["datamatrix"] + single["control-pictures"] + " ",
        "control-pictures",
    )
    add(
        "header-without-rs+control-pictures",
        lambda: _substitute(single["header-without-rs"], SEPARATOR_STYLES["control-pictures"]),
    )
    add(
        "old-broken-header+placeholder-angle",
        lambda: _substitute(single["old-broken-header"], SEPARATOR_STYLES["placeholder-angle"]),
        "old-broken-header",
    )
    add("trailer-none+trailing-tab", lambda: single["trailer-none"] + "\t")
    add(
        "trailer-rs-only+caret-notation",
        lambda: _substitute(single["trailer-rs-only"], SEPARATOR_STYLES["caret-notation"]),
    )
    for layout in LAYOUTS.values():
        for style, ending in (
            ("caret-notation", "trailing-crlf"),
            ("placeholder-angle", ""),
            ("learned-alt-codes", "trailing-lf"),
        ):
            name = "+".join(filter(None, (style, f"layout-{layout.name}", ending)))
            suffix = WHITESPACE[ending][1] if ending else ""
            add(
                name,
                partial(_typed_form, canonical, layout, style, suffix),
                style,
                f"layout-{layout.name}",
            )
    return combined


def _substitute(text: str, tokens: tuple[str, str, str]) -> str | None:
    """``text`` with GS, RS and EOT written as ``tokens``; ``None`` when the label's own data would make the form
    ambiguous rather than merely damaged (a value holding ``^]``, or ending in ``03`` before an RS of ``030``)."""
    record = parse_ecia(text)
    if record is not None and _collides(tuple(e.identifier + e.value for e in record.elements), tokens):
        return None
    return text.translate({0x1D: tokens[0], 0x1E: tokens[1], 0x04: tokens[2]})


def _collides(elements: tuple[str, ...], tokens: tuple[str, str, str]) -> bool:
    # An element collides when, between any two separators, it adds an occurrence of a separator (overlapping,
    # any case: "<gs>" in a value collides with "<GS>").
    patterns = _token_patterns(tokens)
    token_characters = set("".join(tokens).lower())
    for element in elements:
        if token_characters.isdisjoint(element.lower()):
            continue
        for before in tokens:
            for after in tokens:
                for pattern in patterns:
                    alone = _count(pattern, before) + _count(pattern, after)
                    if _count(pattern, before + element + after) != alone:
                        return True
    return False


@lru_cache(maxsize=64)
def _token_patterns(tokens: tuple[str, str, str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile("(?=" + re.escape(token) + ")", re.IGNORECASE) for token in set(tokens))


def _count(pattern: re.Pattern[str], text: str) -> int:
    return sum(1 for _ in pattern.finditer(text))


def _typed_form(canonical: str, layout: Layout, style: str, suffix: str) -> str | None:
    """A label typed through ``layout`` with its separators written in ``style`` (typed by the scanner, except
    keypad digits, which no layout remaps). The caller checked that the layout form alone is recoverable."""
    tokens = SEPARATOR_STYLES[style]
    if _substitute(canonical, tokens) is None:
        return None
    by_char = dict(zip((GS, RS, EOT), tokens, strict=True))
    keypad = style in _KEYPAD_STYLES
    parts: list[str] = []
    last = 0
    for match in _CONTROLS.finditer(canonical):
        parts.append(layout.type(canonical[last : match.start()]))
        token = by_char[match.group()]
        parts.append(token if keypad else layout.type(token))
        last = match.end()
    parts.append(layout.type(canonical[last:]))
    return "".join(parts) + suffix


def _layout_recoverable(clean: str, typed: str, layout: Layout, evidence: LayoutEvidence) -> bool:
    # A layout form is a promise only when the format gives evidence of the damage (a known or declared start)
    # and the typing loses nothing (a dead key before a space swallows the space; ``~`` has no AZERTY key).
    return layout.repair(typed) == clean and damage_shows(clean, layout, evidence)


# -- hypothesis strategies ------------------------------------------------------------------------------------
_VALUE_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789 -./:#,+()"
_GS1_ELEMENTS = (
    ("01", r"[0-9]{14}"),
    ("10", r"[A-Z0-9]{1,20}"),
    ("17", r"[0-9]{6}"),
    ("21", r"[A-Za-z0-9]{1,20}"),
    ("30", r"[0-9]{1,8}"),
    ("400", r"[A-Z0-9-]{1,30}"),
)


def ecia_elements(*, vocabulary_only: bool = True) -> SearchStrategy[tuple[str, str]]:
    """``(data identifier, value)`` pairs: known DIs with values of their shape, or (``vocabulary_only=False``)
    any DI with any printable value."""
    from hypothesis import strategies as st  # lazy: only test suites need hypothesis

    def known(identifier: str) -> SearchStrategy[tuple[str, str]]:
        shape = VALUE_SHAPES.get(identifier)
        if shape is not None:
            value = st.from_regex(shape, fullmatch=True)
        else:
            value = st.text(_VALUE_ALPHABET, min_size=1, max_size=20).map(str.strip).filter(bool)
        return st.tuples(st.just(identifier), value)

    strategy = st.sampled_from(sorted(DATA_IDENTIFIERS)).flatmap(known)
    if vocabulary_only:
        return strategy
    anything = st.tuples(
        st.from_regex(DATA_IDENTIFIER, fullmatch=True),
        st.text(st.characters(blacklist_characters=GS + RS + EOT, blacklist_categories=["Cs"]), max_size=20),
    )
    return strategy | anything


def ecia_labels(*, vocabulary_only: bool = True, gs1_records: bool = True) -> SearchStrategy[str]:
    """Canonical ECIA labels: a format ``06`` record of random elements (each DI once), sometimes followed by a
    format ``05`` record of GS1 elements."""
    from hypothesis import strategies as st  # lazy: only test suites need hypothesis

    elements = st.lists(
        ecia_elements(vocabulary_only=vocabulary_only), min_size=1, max_size=12, unique_by=lambda pair: pair[0]
    )
    gs1 = st.lists(
        st.sampled_from(_GS1_ELEMENTS).flatmap(
            lambda ai: st.from_regex(ai[1], fullmatch=True).map(lambda value: ai[0] + value)
        ),
        min_size=1,
        max_size=4,
        unique=True,
    )

    @st.composite
    def labels(draw: Any) -> str:
        records = ["06" + GS + GS.join(identifier + value for identifier, value in draw(elements))]
        if gs1_records and draw(st.booleans()):
            records.append("05" + GS + GS.join(draw(gs1)))
        text = HEADER + RS + RS.join(records) + RS + EOT
        record = parse_ecia(text)
        return canonical_ecia(record) if record is not None else text

    return labels()


def damaged_scans(labels: SearchStrategy[str], *, lossy: bool = False) -> SearchStrategy[tuple[str, str, str]]:
    """``(form name, damaged scan, clean label)`` for every form of every drawn label."""
    from hypothesis import strategies as st  # lazy: only test suites need hypothesis

    def forms(clean: str) -> SearchStrategy[tuple[str, str, str]]:
        named = damaged_forms(clean, lossy=lossy)
        return st.sampled_from(sorted(named)).map(lambda name: (name, named[name], clean))

    return labels.flatmap(forms)
