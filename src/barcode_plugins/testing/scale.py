"""How many hypothesis examples the conformance suite tries: ``--conformance-scale`` or its environment variable.

Its own module so that the pytest plugin and the conformance classes share it without importing each other.
"""

from __future__ import annotations

import os

import pytest

SCALE_ENVIRONMENT_VARIABLE = "BARCODE_PLUGINS_CONFORMANCE_SCALE"


def scale_from(config: pytest.Config) -> float:
    """The example-count multiplier: ``--conformance-scale``, else the environment variable, else 1."""
    value = config.getoption("conformance_scale", default=None)
    if value is None:
        value = os.environ.get(SCALE_ENVIRONMENT_VARIABLE) or 1.0
    try:
        scale = float(value)
    except ValueError:
        raise pytest.UsageError(f"{SCALE_ENVIRONMENT_VARIABLE} must be a number, got {value!r}") from None
    if not scale > 0:
        raise pytest.UsageError(f"the conformance scale must be positive, got {scale:g}")
    return scale
