"""A plugin module that does things at import: prints, writes a file, sets an environment variable.

Loaded by ``tests/test_conformance_teeth.py`` to show that the import-hygiene property catches all three.
"""

from __future__ import annotations

import os
import tempfile

from barcode_plugins import Decoded, hookimpl

print("noisy plugin loaded")  # the side effect under test
with tempfile.TemporaryFile() as scratch:
    scratch.write(b"cache")
os.environ["BARCODE_PLUGINS_NOISY_IMPORT"] = "1"


@hookimpl
def decode(text: str) -> Decoded | None:
    """Decodes nothing."""
    return None
