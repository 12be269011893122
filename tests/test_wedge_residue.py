"""No separator residue: every bundled plugin's examples (and the generic ECIA decoder's), in every wedge form
after every header variant (with RS, without RS, the old ``>[)>``) and trailer, decode to the clean label's
result and hash with no separator or written form of one left in any value; a form that cannot be repaired is
refused as ambiguous, never decoded with residue."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from sample_labels import DIGIKEY, EOT, GS, RS

from barcode_plugins import AmbiguousBarcode, Decoded, Engine, Example
from barcode_plugins.testing.contract import DECODER_KEYS, differences, separator_residue
from barcode_plugins.testing.strategies import examples_of
from barcode_plugins.testing.target import examples_strategy
from barcode_plugins.testing.wedge import HEADER_VARIANTS, TRAILER_VARIANTS, damaged_forms, is_lossy

ENGINE = Engine(":memory:")
STRATEGIES = [
    (impl.plugin_name, examples_strategy(ENGINE.plugins, impl.plugin_name))
    for impl in ENGINE.plugins.implementations("barcode_examples")
]
EXAMPLES = examples_of([(name, strategy) for name, strategy in STRATEGIES if strategy is not None])


def values(result: Decoded) -> dict[str, object]:
    found: dict[str, object] = {key: getattr(result, key) for key in DECODER_KEYS if key != "fields"}
    found.update({f"fields[{key}]": value for key, value in result.fields.items()})
    return found


def test_the_issues_label_keeps_no_trailer() -> None:
    # "[)>06" + GS (no RS after the header) typed in caret notation: the trailer ^^^D is not part of 4L.
    clean = ENGINE.decode(f"[)>{RS}06{GS}1PNE555DR{GS}Q5{GS}4LUS{RS}{EOT}")
    damaged = ENGINE.decode("[)>06^]1PNE555DR^]Q5^]4LUS^^^D")
    assert damaged.country_of_origin == "US"
    assert damaged.barcode_hash == clean.barcode_hash


@pytest.mark.parametrize(("gs", "rs", "eot"), [("\ue01d", "\ue01e", "\ue004"), ("↔", "▲", "♦"), ("^]", "^^", "^D")])
def test_what_the_header_teaches_is_learned_for_the_trailer(gs: str, rs: str, eot: str) -> None:
    clean = ENGINE.decode(DIGIKEY)
    body = DIGIKEY[len("[)>" + RS) :].replace(GS, gs)
    for trailer in (rs + eot, rs, ""):
        for header in ("[)>", ">[)>"):
            damaged = ENGINE.decode(header + body + trailer)
            assert damaged.barcode_hash == clean.barcode_hash, (header, trailer)


def test_every_header_variant_gets_every_style_and_trailer() -> None:
    names = set(damaged_forms(DIGIKEY))
    for header in HEADER_VARIANTS:
        for trailer in TRAILER_VARIANTS:
            assert f"{header}+caret-notation+{trailer}" in names or header == "header-rs", (header, trailer)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXAMPLES)
def test_no_value_keeps_separator_residue_in_any_form(pair: tuple[str, Example]) -> None:
    owner, example = pair
    clean = ENGINE.decode(example.text)
    assert clean.plugin == owner
    for name, form in damaged_forms(example.text, lossy=True, formats=ENGINE.formats).items():
        try:
            result = ENGINE.decode(form)
        except AmbiguousBarcode:
            assert is_lossy(name), f"{name} was refused as ambiguous: {form!r}"
            continue
        assert not separator_residue(values(clean), values(result)), (name, form)
        assert not differences(clean, result), (name, differences(clean, result))
        assert result.barcode_hash == clean.barcode_hash, name
