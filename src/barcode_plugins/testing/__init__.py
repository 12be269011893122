"""Testing helpers for plugin authors: example values and (see ``conformance``) the conformance suite."""

from __future__ import annotations

import attrs

from barcode_plugins.models import Decoded


@attrs.frozen
class Example:
    """A label's text as a scanner reads it, and the result it must decode to.

    ``expected.raw`` and ``expected.barcode_hash`` are ignored when comparing (the engine fills them).
    """

    text: str
    expected: Decoded
