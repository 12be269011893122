"""Timing primitives, run configuration, result records and machine facts shared by every benchmark.

Every figure is measured together with its baseline in the same process and the same run, interleaved round by
round (ours, baseline, baseline, ours, ...), so that a noisy neighbour slows both sides alike. A round's time is
taken with :func:`time.perf_counter_ns`; the figure is the median over the rounds.
"""

from __future__ import annotations

import gc
import math
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: A variant of a measurement: runs once and returns the nanoseconds that count (setup excluded by the variant).
Variant = Callable[[], int]


@dataclass(frozen=True)
class Config:
    """Sizes of one run. ``full`` is the documented run; ``quick`` keeps every benchmark but shrinks it; ``smoke``
    only checks that everything runs."""

    name: str
    rounds: int
    mixed_corpus: int
    wedge_pairs: int
    plugin_examples: int
    templates_per_kind: int
    links_small: int
    links_large: int
    lookups: int
    import_rows: int
    receive_scans: int
    receive_lines_small: int
    receive_lines_large: int
    durable_scans: int
    cold_start_runs: int
    stream_small: int
    stream_large: int


FULL = Config(
    name="full",
    rounds=5,
    mixed_corpus=20_000,
    wedge_pairs=10_000,
    plugin_examples=100,
    templates_per_kind=8,
    links_small=100_000,
    links_large=1_000_000,
    lookups=2_000,
    import_rows=15_000,
    receive_scans=10_000,
    receive_lines_small=1_000,
    receive_lines_large=100_000,
    durable_scans=500,
    cold_start_runs=10,
    stream_small=100_000,
    stream_large=1_000_000,
)

QUICK = Config(
    name="quick",
    rounds=3,
    mixed_corpus=6_000,
    wedge_pairs=5_000,
    plugin_examples=20,
    templates_per_kind=8,
    links_small=20_000,
    links_large=200_000,
    lookups=1_000,
    import_rows=5_000,
    receive_scans=1_500,
    receive_lines_small=1_000,
    receive_lines_large=20_000,
    durable_scans=100,
    cold_start_runs=5,
    stream_small=10_000,
    stream_large=100_000,
)

#: Tiny sizes: checks that every benchmark still runs and reports every figure (the test suite runs it), nothing
#: more. Its numbers mean nothing.
SMOKE = Config(
    name="smoke",
    rounds=1,
    mixed_corpus=300,
    wedge_pairs=200,
    plugin_examples=3,
    templates_per_kind=2,
    links_small=1_000,
    links_large=3_000,
    lookups=60,
    import_rows=300,
    receive_scans=60,
    receive_lines_small=50,
    receive_lines_large=200,
    durable_scans=10,
    cold_start_runs=1,
    stream_small=200,
    stream_large=1_000,
)


@dataclass
class Figure:
    """One row of the result table: our figure, its baseline from the same run, the ratio and the target.

    ``ratio`` is always "ours relative to the baseline" in the direction the target states (a time ratio for
    costs, a rate ratio for throughput); ``met`` is ``None`` where there is no target to judge.
    """

    key: str
    title: str
    ratio: float | None
    ratio_unit: str
    target: str
    met: bool | None
    ours: str
    baseline: str
    values: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The figure as JSON-ready builtins."""
        return asdict(self)


@dataclass
class Section:
    """What one benchmark produced: its figures and the detail lines (breakdowns, scaling, checks)."""

    name: str
    figures: list[Figure] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def log(message: str) -> None:
    """Progress on stderr (stdout is kept for the table or the JSON document)."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def time_ns(function: Callable[[], object]) -> int:
    """Nanoseconds one call of ``function`` takes."""
    start = time.perf_counter_ns()
    function()
    return time.perf_counter_ns() - start


def interleaved(variants: Mapping[str, Variant], rounds: int) -> dict[str, list[int]]:
    """Run every variant once per round, alternating the order each round; nanoseconds per round by name.

    A full collection runs before each measured call so that one side does not pay for the other's garbage.
    """
    samples: dict[str, list[int]] = {name: [] for name in variants}
    names = list(variants)
    for number in range(rounds):
        for name in names if number % 2 == 0 else reversed(names):
            gc.collect()
            samples[name].append(variants[name]())
    return samples


def clear_decode_caches() -> None:
    """Empty every ``functools.lru_cache`` in the loaded ``barcode_plugins`` modules (cold caches: a label
    scanned for the first time), without changing any code."""
    prefixes = ("barcode_plugins.", "barcode_plugins_")
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "barcode_plugins" or name.startswith(prefixes)):
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):
                value.cache_clear()


def median(values: Sequence[float]) -> float:
    """The median (0 for no values)."""
    return float(statistics.median(values)) if values else 0.0


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``fraction`` of the values at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(max(math.ceil(fraction * len(ordered)), 1), len(ordered))
    return float(ordered[rank - 1])


def per_item_us(total_ns: float, count: int) -> float:
    """Microseconds per item."""
    return total_ns / count / 1000 if count else 0.0


def rate(total_ns: float, count: int) -> float:
    """Items per second."""
    return count / (total_ns / 1e9) if total_ns else 0.0


def fmt_rate(value: float, unit: str = "/s") -> str:
    """``123,456/s``."""
    return f"{value:,.0f}{unit}"


def fmt_us(value: float) -> str:
    """Microseconds with sensible precision."""
    if value >= 1000:
        return f"{value / 1000:,.2f} ms"
    if value >= 100:
        return f"{value:,.0f} µs"
    return f"{value:,.2f} µs"


@contextmanager
def scratch_dir(parent: str | None = None) -> Iterator[Path]:
    """A temporary directory (removed afterwards) for database files and scan files."""
    with tempfile.TemporaryDirectory(prefix="bp-bench-", dir=parent) as name:
        yield Path(name)


def _filesystem(path: str) -> str:
    """The filesystem type of the mount that holds ``path`` (from /proc/mounts; ``?`` elsewhere)."""
    best, kind = "", "?"
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                parts = line.split()
                if len(parts) >= 3 and path.startswith(parts[1]) and len(parts[1]) > len(best):
                    best, kind = parts[1], f"{parts[2]} ({parts[0]} on {parts[1]})"
    except OSError:
        pass
    return kind


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (how busy the shared machine was)."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "?"


def machine(temp_parent: str | None) -> dict[str, Any]:
    """What the numbers were measured on."""
    temp = os.path.realpath(temp_parent or tempfile.gettempdir())
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "nproc": affinity,
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "temp_dir": temp,
        "temp_filesystem": _filesystem(temp),
        "load_average_start": load_average(),
        "plugin_environment": {
            name: value for name, value in os.environ.items() if name.startswith("BARCODE_PLUGINS_")
        },
    }
