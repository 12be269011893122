"""Calling a plugin's hook under watch (timed, interrupted when it hangs, optionally with I/O forbidden), and
how hard the suite looks (:class:`Budget`)."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import attrs
from hypothesis import HealthCheck, Phase, settings

from barcode_plugins.models import Decoded, unstructure
from barcode_plugins.testing.isolation import CallTooSlow, Stopwatch, forbid_io, time_limit
from barcode_plugins.testing.target import PluginUnderTest


@attrs.frozen
class Budget:
    """How hard the suite looks: hypothesis examples per property (times ``scale``) and time per call.

    :ivar scale: multiplies every property's example count (``--conformance-scale`` on the pytest command line).
    :ivar call_seconds: the bound on one ``decode`` call, measured (generous: a decoder takes microseconds).
    :ivar hard_seconds: after this a call is interrupted, so that a hang fails instead of stalling the run.
    """

    scale: float = 1.0
    call_seconds: float = 1.0
    hard_seconds: float = 3.0

    def settings(self, examples: int) -> settings:
        """Hypothesis settings for a property that looks at ``examples`` inputs at scale 1.

        The current profile's other settings (database, derandomize, verbosity...) apply; hypothesis' own
        deadline is off, the suite bounds each call itself.
        """
        return settings(
            max_examples=max(1, round(examples * self.scale)),
            deadline=None,
            # The explain phase re-runs a failure hundreds of times to annotate it; the messages say enough.
            phases=[phase for phase in settings().phases if phase is not Phase.explain],
            report_multiple_bugs=False,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
                HealthCheck.filter_too_much,
                HealthCheck.large_base_example,
            ],
        )


DEFAULT_BUDGET = Budget()


@attrs.frozen
class Call:
    """What one watched hook call did."""

    result: Any = None
    error: BaseException | None = None
    seconds: float = 0.0
    io: tuple[str, ...] = ()
    timed_out: bool = False


def watched_call(target: PluginUnderTest, hook: str, budget: Budget, *, no_io: bool = False, **kwargs: Any) -> Call:
    """Call the plugin's own ``hook`` implementation, timed and interrupted after ``budget.hard_seconds``;
    with ``no_io`` every I/O entry point refuses while it runs. Exceptions are returned, not raised."""
    result: Any = None
    error: BaseException | None = None
    timed_out = False
    watch = Stopwatch()
    attempts: list[str] = []
    guard = forbid_io() if no_io else nullcontext(attempts)
    try:
        with time_limit(budget.hard_seconds), watch, guard as attempts:
            try:
                result = target.call(hook, **kwargs)
            except Exception as raised:
                error = raised
    except CallTooSlow:
        timed_out = True
    return Call(result, error, watch.seconds, tuple(attempts), timed_out)


def describe_error(error: BaseException) -> str:
    """``IndexError: list index out of range (at acme.py:12)``: the exception and where it was raised."""
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    where = f" (at {Path(frame.tb_frame.f_code.co_filename).name}:{frame.tb_lineno})" if frame is not None else ""
    return f"{type(error).__name__}: {error}{where}"


def summarise(value: Decoded) -> str:
    """The identifying keys of a result, for a message."""
    shown = {
        key: getattr(value, key)
        for key in ("kind", "supplier", "supplier_part_number", "manufacturer_part_number", "quantity", "item")
    }
    return ", ".join(f"{key}={item!r}" for key, item in shown.items() if item is not None)


def snapshot(*values: object) -> str:
    """Values as canonical JSON text, to tell whether a hook mutated its arguments."""
    return json.dumps(unstructure(list(values)), sort_keys=True, default=repr)
