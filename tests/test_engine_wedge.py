"""Every docs/formats.md example, in every wedge-damaged form (alone and combined), through the whole engine with all
bundled plugins: same plugin, same fields, same barcode hash as the clean label — or, for a run-together label
that truly reads several ways, a typed AmbiguousBarcode, never a different answer."""

from __future__ import annotations

import pytest
from field_labels import EXPECTED, FIELD_LABELS
from sample_labels import DIGIKEY, GENERIC_ECIA, LCSC, MOUSER, TME_DATAMATRIX, TME_QR

from barcode_plugins import AmbiguousBarcode, Engine
from barcode_plugins.testing.wedge import damaged_forms, is_lossy

LABELS = {
    "digikey": DIGIKEY,
    "mouser": MOUSER,
    "ecia": GENERIC_ECIA,
    "lcsc": LCSC,
    "tme-qr": TME_QR,
    "tme-datamatrix": TME_DATAMATRIX,
    "internal-json": '{"stockitem": 42}',
    "internal-short": "bp:stockitem:42",
}


@pytest.fixture(scope="module")
def shared_engine() -> Engine:
    return Engine(":memory:")


# One test per label, every form checked in it: building the forms is most of the work, and a failure names
# each form that read differently.
@pytest.mark.parametrize("label", LABELS)
def test_damaged_forms_decode_like_the_clean_label(shared_engine: Engine, label: str) -> None:
    problems = []
    for form, text in damaged_forms(LABELS[label], lossy=True).items():
        problem = _refused_or_read_like_the_clean_label(shared_engine, LABELS[label], form, text)
        # A run-together label reads one way for the suppliers that declare their elements; a header without RS
        # and a GS written as digits leave the end of any label's last value in doubt.
        if problem == "refused" and label != "ecia" and "dropped-separators" in form:
            problem = "refused as ambiguous: only the generic run-together label may be"
        if problem and problem != "refused":
            problems.append(f"{label}:{form}: {problem}")
    assert not problems, "\n".join(problems)


def _refused_or_read_like_the_clean_label(engine: Engine, clean_text: str, form: str, text: str) -> str | None:
    """What is wrong with how the ``form`` (``text``) of ``clean_text`` reads: None if it reads as the clean
    label does, ``"refused"`` if (lossy) refused as ambiguous instead."""
    clean = engine.decode(clean_text)
    try:
        decoded = engine.decode(text)
    except AmbiguousBarcode:
        return "refused" if is_lossy(form) else "not lossy, yet refused as ambiguous"
    if decoded.barcode_hash != clean.barcode_hash:
        return f"hash {decoded.barcode_hash} differs from the clean label's {clean.barcode_hash}"
    if decoded.plugin != clean.plugin or decoded.fields != clean.fields:
        return f"read by {decoded.plugin} as {decoded.fields}, not by {clean.plugin} as {clean.fields}"
    return None


def test_the_bundled_examples_cover_every_plugin(shared_engine: Engine) -> None:
    plugins = {shared_engine.decode(text).plugin for text in LABELS.values()}
    assert plugins == {"digikey", "mouser", "ecia", "lcsc", "tme", "internal"}
    assert sum(len(damaged_forms(text, lossy=True)) for text in LABELS.values()) > 150


# --- Labels from the field: vendors beyond the bundled four, odd variants of the bundled ones ------------------


@pytest.mark.parametrize("label", sorted(FIELD_LABELS))
def test_field_label_decodes_to_its_fields(shared_engine: Engine, label: str) -> None:
    decoded = shared_engine.decode(FIELD_LABELS[label])
    for key, expected in EXPECTED[label].items():
        value = decoded.fields.get(key[len("fields.") :]) if key.startswith("fields.") else getattr(decoded, key)
        assert value == expected, f"{label}: {key} is {value!r}, expected {expected!r}"


@pytest.mark.parametrize("label", sorted(FIELD_LABELS))
def test_damaged_field_label_decodes_like_the_clean_label(shared_engine: Engine, label: str) -> None:
    problems = []
    for form, text in damaged_forms(FIELD_LABELS[label], lossy=True).items():
        problem = _refused_or_read_like_the_clean_label(shared_engine, FIELD_LABELS[label], form, text)
        if problem and problem != "refused":
            problems.append(f"{label}:{form}: {problem}")
    assert not problems, "\n".join(problems)
