"""The one quantity rule: exact decimals within bounds every JSON reader can carry.

A quantity is an ``int`` when it is whole and a :class:`~decimal.Decimal` otherwise — never a float, so three
bags of 0.1 fill a line of 0.3 exactly. Every quantity the store books is checked by :func:`checked`: more than
zero, at most six decimal places, at most 15 significant digits and below 10^12. Fifteen significant digits is
what an IEEE double (a JavaScript number) round-trips exactly, so the JSON we print reads back as written.

The store keeps quantities as whole numbers of millionths (:func:`to_micros` / :func:`from_micros`): SQLite then
adds and sums them exactly.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from barcode_plugins.errors import InputError

Quantity = int | Decimal

#: Decimal places a quantity may have (the store counts millionths).
MAX_DECIMAL_PLACES = 6
#: Significant digits a quantity may have (what a double, hence JSON in JavaScript, holds exactly).
MAX_SIGNIFICANT_DIGITS = 15
#: Every quantity, and every line's received total, stays below this.
LIMIT = 10**12
_MICROS = 10**MAX_DECIMAL_PLACES


class QuantityError(InputError):
    """A quantity that is not a number, not positive, or outside the bounds the store can hold exactly."""


def exact(value: object) -> Quantity:
    """``value`` as an exact quantity (``int`` if whole, else ``Decimal``), unchecked against the bounds.

    Accepts ``int``, ``Decimal``, ``float`` (through its shortest text, so ``0.1`` is one tenth) and text.

    :raises QuantityError: not a finite number (text that does not parse, ``inf``, ``nan``, a bool).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, (float, str)):
        try:
            # repr, not Decimal(float): Decimal(0.1) is 0.1000000000000000055511151231257827...
            number = Decimal(repr(value) if isinstance(value, float) else value.strip())
        except InvalidOperation:
            raise QuantityError(f"quantity {str(value)[:40]!r} is not a number") from None
    else:
        raise QuantityError(f"quantity must be a number, got {type(value).__name__}")
    if not number.is_finite():
        raise QuantityError(f"quantity {str(value)[:40]} is not a finite number")
    if number.adjusted() > 30 and number == number.to_integral_value():
        # Before whole_as_int: int(Decimal("1e400")) would build a 400-digit integer; the bounds refuse it anyway.
        raise QuantityError(f"quantity {str(value)[:40]} is too large (at most {LIMIT - 1:,})")
    quantity = whole_as_int(number)
    if isinstance(quantity, int):
        return quantity
    if len(number.as_tuple().digits) > 28:  # normalize() would round to the context's 28 digits
        raise QuantityError(f"quantity {str(value)[:40]} has more than {MAX_SIGNIFICANT_DIGITS} significant digits")
    return number.normalize()


def whole_as_int(quantity: Quantity) -> Quantity:
    """The one rule for whole quantities: an ``int`` (``Decimal("3.0")`` and ``0.3 - 0.3`` are ``3`` and ``0``); a
    fraction is returned as it is."""
    if isinstance(quantity, Decimal) and quantity == quantity.to_integral_value():
        return int(quantity)
    return quantity


def checked(value: object) -> Quantity:
    """``value`` as an exact quantity within the bounds (> 0, <= 6 decimals, <= 15 digits, < 10^12).

    :raises QuantityError: with a message naming the bound that was broken.
    """
    number = exact(value)
    if not number > 0:
        raise QuantityError(f"quantity must be more than 0, got {_shown(number, value)}")
    if number >= LIMIT:
        raise QuantityError(f"quantity {_shown(number, value)} is too large (at most {LIMIT - 1:,})")
    if isinstance(number, Decimal):
        _sign, digits, exponent = number.as_tuple()
        if isinstance(exponent, int) and -exponent > MAX_DECIMAL_PLACES:
            raise QuantityError(f"quantity {_shown(number, value)} has more than {MAX_DECIMAL_PLACES} decimal places")
        if len(digits) > MAX_SIGNIFICANT_DIGITS:
            raise QuantityError(
                f"quantity {_shown(number, value)} has more than {MAX_SIGNIFICANT_DIGITS} significant digits"
            )
    return number


def _shown(number: Quantity, value: object) -> str:
    return show(number) if abs(number) < 10**30 else f"{str(value)[:24]}..."


def to_micros(quantity: Quantity) -> int:
    """An exact quantity as a whole number of millionths (how the store keeps it)."""
    if isinstance(quantity, int):
        return quantity * _MICROS
    return int(quantity.scaleb(MAX_DECIMAL_PLACES))


def from_micros(micros: int) -> Quantity:
    """Millionths back to a quantity: ``int`` when whole."""
    whole, rest = divmod(micros, _MICROS)
    if not rest:
        return whole
    return Decimal(micros).scaleb(-MAX_DECIMAL_PLACES).normalize()


def show(quantity: Quantity | float | None) -> str:
    """A quantity for a message: ``25``, ``0.1`` (never ``1E-1``, ``1.0`` or ``2.77556e-17``); ``?`` for none."""
    if quantity is None:
        return "?"
    if isinstance(quantity, Decimal):
        quantity = whole_as_int(quantity)
        if isinstance(quantity, Decimal):
            return format(quantity.normalize(), "f")
    return str(quantity)


def to_json(quantity: Quantity) -> int | float:
    """A quantity as a JSON number: ``int`` when whole; else the float whose shortest text is the decimal's
    (exact within the bounds of :func:`checked`)."""
    quantity = whole_as_int(quantity)
    return float(quantity) if isinstance(quantity, Decimal) else quantity


__all__ = [
    "LIMIT",
    "Quantity",
    "QuantityError",
    "checked",
    "exact",
    "from_micros",
    "show",
    "to_json",
    "to_micros",
    "whole_as_int",
]
