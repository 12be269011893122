"""The value the ``barcode_examples`` hook's strategy draws: a label's text and what it must decode to.

It sits with the hooks, not in :mod:`barcode_plugins.testing`, so that a plugin that gives examples does not
import the test helpers (plugin authors import it from the root package: ``from barcode_plugins import Example``).
"""

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
