"""The hook runner in the plugin manager: isolation, answer checks, pluggy's wrappers and tracing."""

from __future__ import annotations

import subprocess
import sys


def test_importing_what_a_plugin_imports_loads_no_manager() -> None:
    # A real process: the question is what importing loads, and this test process has loaded everything.
    code = (
        "import sys\n"
        "from barcode_plugins import Decoded, Example, LabelFormat, hookimpl\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('barcode_plugins.hooks.manager',"
        " 'barcode_plugins.testing', 'barcode_plugins.store', 'barcode_plugins.engine')))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
