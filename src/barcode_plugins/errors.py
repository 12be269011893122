"""The one error hierarchy. Every error carries a message a user can act on.

``exit_code`` is what the CLI exits with (contract: 1 = not recognised / refused, 2 = bad usage or bad input;
3 = the environment failed: disk full, read-only file, database locked too long, database file replaced).
The CLI maps errors to exit codes in one place; nothing else prints or exits.
"""

from __future__ import annotations

from collections.abc import Sequence


class BarcodeError(Exception):
    """Base class of every error the engine raises on purpose."""

    exit_code: int = 1
    message: str = ""  # a plugin's subclass may skip ``__init__``: its message is then its arguments

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message or super().__str__()


class InputError(BarcodeError):
    """The input itself is unusable: empty, not text, malformed file, bad option value."""

    exit_code = 2


class AmbiguousBarcode(BarcodeError):
    """A scan can be read in more than one way and nothing tells which one is right.

    ``candidates`` holds the competing readings (canonical texts or plugin names), so a caller can show them.
    """

    def __init__(self, message: str, candidates: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.candidates = tuple(candidates)


class InvalidItemReference(InputError):
    """An item reference is not ``TYPE:ID`` or names a type the core cannot accept."""


class InternalBarcodeError(InputError):
    """Text that is shaped like our internal format but does not hold a valid item reference."""


class AlreadyLinked(BarcodeError):
    """The barcode is already linked to another item."""


class NotLinked(BarcodeError):
    """Nothing to unlink: the barcode (or the item) has no link."""


class NotFound(BarcodeError):
    """A purchase order, line, stock item or history entry that was asked for does not exist."""


class StoreError(InputError):
    """The database cannot be opened or written: missing or read-only directory, a file that is not SQLite."""


class EnvironmentFault(BarcodeError):
    """The machine, not the input, failed: the disk is full, the database or its directory is read-only, the
    database stayed locked longer than the busy timeout, or its file was replaced or removed while open.

    Retrying after fixing the environment may succeed; nothing was half-written.
    """

    exit_code = 3


class ListenerRefused(BarcodeError):
    """An in-transaction event listener raised: the whole write was rolled back and nothing was booked.

    ``plugin`` and ``hook`` name the listener; the message is its own, prefixed with them.
    """

    def __init__(self, message: str, plugin: str, hook: str) -> None:
        super().__init__(message)
        self.plugin = plugin
        self.hook = hook


class ReentrantCall(BarcodeError):
    """An event listener called back into the engine; listeners write through the ``tx`` they are given."""
