"""How the store writes values the models do not fix: timestamps, id bounds, micro-unit quantities."""

from __future__ import annotations

from datetime import datetime, timezone

from barcode_plugins.quantities import Quantity, from_micros

#: SQLite integers are signed 64-bit: a larger id cannot exist (and would raise OverflowError as a parameter).
MAX_ID = 2**63 - 1


def now() -> str:
    """UTC timestamp, ISO 8601 with microseconds (sorts as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def id_in_range(value: int) -> bool:
    """Whether ``value`` can be a row id (a larger or non-positive one names nothing)."""
    return 0 < value <= MAX_ID


def optional_micros(value: int | None) -> Quantity | None:
    """A nullable ``*_micros`` column as a quantity."""
    return None if value is None else from_micros(value)
