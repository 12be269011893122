"""The one quantity rule: exact values, bounds every JSON reader holds exactly, the store's millionths."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from barcode_plugins.formats.ecia import parse_quantity
from barcode_plugins.quantities import (
    QuantityError,
    checked,
    exact,
    from_micros,
    show,
    to_json,
    to_micros,
    whole_as_int,
)


@pytest.mark.parametrize(
    ("given_value", "expected"),
    [("25", 25), ("0.1", Decimal("0.1")), ("2.50", Decimal("2.5")), ("100.0", 100), (0.1, Decimal("0.1")),
     (Decimal("0.000001"), Decimal("0.000001")), (999_999_999_999, 999_999_999_999),
     ("123456789.123456", Decimal("123456789.123456"))],
)  # fmt: skip
def test_checked_quantities_are_exact(given_value: object, expected: object) -> None:
    value = checked(given_value)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("given_value", "reason"),
    [("inf", "finite"), ("nan", "finite"), (float("inf"), "finite"), ("1e400", "too large"),
     ("99999999999999999999", "too large"), ("9223372036854775807", "too large"), (10**12, "too large"),
     ("0", "more than 0"), ("-3", "more than 0"), ("0.0000001", "decimal places"), ("abc", "not a number"),
     ("1234567890.1234567", "decimal places"), ("12345678901.23456", "significant digits"), (True, "number"),
     ("1." + "0" * 40 + "1", "significant digits")],
)  # fmt: skip
def test_out_of_bounds_quantities_are_typed_refusals(given_value: object, reason: str) -> None:
    with pytest.raises(QuantityError, match=reason):
        checked(given_value)


def test_three_tenths_are_exactly_three_tenths() -> None:
    tenth = checked("0.1")
    assert tenth + tenth + tenth == checked("0.3")
    assert from_micros(to_micros(tenth) * 10) == 1 and type(from_micros(to_micros(tenth) * 10)) is int


@given(st.decimals(Decimal("0.000001"), Decimal("999999999.999999"), places=6))
def test_json_numbers_read_back_as_the_decimal_written(value: Decimal) -> None:
    quantity = checked(value)
    assert Decimal(json.dumps(to_json(quantity))) == quantity
    assert from_micros(to_micros(quantity)) == quantity
    assert exact(show(quantity)) == quantity


def test_integral_values_are_json_ints() -> None:
    assert json.dumps(to_json(checked("100.000"))) == "100"
    assert show(checked("0.000001")) == "0.000001" and show(None) == "?"


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        (Decimal("3.0"), 3),
        (Decimal("0.3") - Decimal("0.3"), 0),
        (Decimal("1E+3"), 1000),
        (7, 7),
        (Decimal("2.50"), None),
    ],
)
def test_whole_quantities_are_ints(quantity: Decimal | int, expected: int | None) -> None:
    result = whole_as_int(quantity)
    if expected is None:  # a fraction stays the Decimal it was
        assert result is quantity
    else:
        assert result == expected and type(result) is int


def test_parse_quantity_keeps_the_label_exact() -> None:
    assert parse_quantity("0025") == 25 and type(parse_quantity("0025")) is int
    assert parse_quantity("0.1") == Decimal("0.1") and isinstance(parse_quantity("0.1"), Decimal)
    assert parse_quantity("12.50") == Decimal("12.5")
    assert parse_quantity("99999999999999999999") == 99999999999999999999  # exact; bounds are the store's
    assert parse_quantity("inf") is None and parse_quantity("1e5") is None


def test_parse_quantity_never_raises_on_absurd_digit_runs() -> None:
    assert parse_quantity("9" * 5000) is None  # int() of 5,000 digits raises ValueError
    assert parse_quantity("1." + "0" * 5000 + "1") is None
    assert parse_quantity("9" * 100) == int("9" * 100)


def test_show_prints_plain_numbers() -> None:
    assert [show(Decimal(text)) for text in ("1.0", "0.10", "1E+3", "0.000001")] == ["1", "0.1", "1000", "0.000001"]
