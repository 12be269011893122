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
CASES = [(name, form) for name, clean in LABELS.items() for form in damaged_forms(clean, lossy=True)]


@pytest.fixture(scope="module")
def shared_engine() -> Engine:
    return Engine(":memory:")


@pytest.mark.parametrize(("label", "form"), CASES, ids=[f"{label}:{form}" for label, form in CASES])
def test_damaged_form_decodes_like_the_clean_label(shared_engine: Engine, label: str, form: str) -> None:
    if _refused_or_read_like_the_clean_label(shared_engine, LABELS[label], form):
        # A run-together label reads one way for the suppliers that declare their elements; a header without RS
        # and a GS written as digits leave the end of any label's last value in doubt.
        assert label == "ecia" or "dropped-separators" not in form, "only the generic run-together label is ambiguous"


def _refused_or_read_like_the_clean_label(engine: Engine, clean_text: str, form: str) -> bool:
    """Check the ``form`` of ``clean_text`` reads as the clean label does; ``True`` if (lossy) refused instead."""
    clean = engine.decode(clean_text)
    try:
        decoded = engine.decode(damaged_forms(clean_text, lossy=True)[form])
    except AmbiguousBarcode:
        assert is_lossy(form), f"{form} is not lossy, yet refused as ambiguous"
        return True
    assert decoded.barcode_hash == clean.barcode_hash
    assert decoded.plugin == clean.plugin and decoded.fields == clean.fields
    return False


def test_the_bundled_examples_cover_every_plugin(shared_engine: Engine) -> None:
    plugins = {shared_engine.decode(text).plugin for text in LABELS.values()}
    assert plugins == {"digikey", "mouser", "ecia", "lcsc", "tme", "internal"}
    assert len(CASES) > 150


# --- Labels from the field: vendors beyond the bundled four, odd variants of the bundled ones ------------------

FIELD_CASES = [(name, form) for name, clean in FIELD_LABELS.items() for form in damaged_forms(clean, lossy=True)]


@pytest.mark.parametrize("label", sorted(FIELD_LABELS))
def test_field_label_decodes_to_its_fields(shared_engine: Engine, label: str) -> None:
    decoded = shared_engine.decode(FIELD_LABELS[label])
    for key, expected in EXPECTED[label].items():
        value = decoded.fields.get(key[len("fields.") :]) if key.startswith("fields.") else getattr(decoded, key)
        assert value == expected, f"{label}: {key} is {value!r}, expected {expected!r}"


@pytest.mark.parametrize(("label", "form"), FIELD_CASES, ids=[f"{label}:{form}" for label, form in FIELD_CASES])
def test_damaged_field_label_decodes_like_the_clean_label(shared_engine: Engine, label: str, form: str) -> None:
    _refused_or_read_like_the_clean_label(shared_engine, FIELD_LABELS[label], form)
