"""Receiving: a batch of scans against open purchase-order lines (``Engine.receive``, one transaction per scan),
how its cost grows with the number of open lines, and interactive (durable) receiving latency.

Purchase orders go in through ``Engine.import_purchase_orders``; the scans are generic ECIA labels naming the PO
(``K``), a line's MPN (``1P``), quantity 1 and a unique lot (``1T``), so every scan is a new receipt. Baseline: one
INSERT per scan, each in its own transaction, on the same connection and database file.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import (
    Config,
    Figure,
    Section,
    clear_decode_caches,
    fmt_rate,
    fmt_us,
    interleaved,
    log,
    median,
    per_item_us,
    percentile,
    rate,
    time_ns,
)

if TYPE_CHECKING:
    from barcode_plugins import Engine

GS, RS, EOT = "\x1d", "\x1e", "\x04"
LINES_PER_ORDER = 20
LINE_QUANTITY = 10**9
BARE_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_receipts (id INTEGER PRIMARY KEY, barcode_hash TEXT NOT NULL UNIQUE,"
    " po_line_id INTEGER NOT NULL, quantity FLOAT NOT NULL, at TEXT NOT NULL)"
)
BARE_INSERT = "INSERT INTO bench_receipts (barcode_hash, po_line_id, quantity, at) VALUES (?, ?, ?, ?)"


def _reference(order: int) -> str:
    return f"PO-B{order:06d}"


def _mpn(order: int, line: int) -> str:
    return f"BX{order:06d}-{line:02d}R"


def open_lines_store(engine: Engine, path: Path, lines: int) -> tuple[Engine, float]:
    """A fresh engine on ``path`` with ``lines`` open lines imported; returns it and the import seconds."""
    from barcode_plugins import Engine as EngineClass
    from barcode_plugins import PurchaseOrder, PurchaseOrderLine

    orders = [
        PurchaseOrder(
            reference=_reference(order),
            supplier="Acme Components",
            supplier_reference=f"SO-{order:06d}",
            status="placed",
            lines=tuple(
                PurchaseOrderLine(_reference(order), line, None, _mpn(order, line), "Acme", LINE_QUANTITY)
                for line in range(1, LINES_PER_ORDER + 1)
            ),
        )
        for order in range(lines // LINES_PER_ORDER)
    ]
    target = EngineClass(path, plugins=engine.plugins)
    start = time.perf_counter()
    target.import_purchase_orders(orders)
    return target, time.perf_counter() - start


def scans(lines: int, count: int, first: int, seed: int) -> list[str]:
    """``count`` generic ECIA labels for random open lines, each with a unique lot code."""
    rng = random.Random(seed)
    labels = []
    for number in range(first, first + count):
        order, line = rng.randrange(lines // LINES_PER_ORDER), rng.randint(1, LINES_PER_ORDER)
        labels.append(f"[)>{RS}06{GS}K{_reference(order)}{GS}1P{_mpn(order, line)}{GS}Q1{GS}1TL{number:09d}{RS}{EOT}")
    return labels


def _receive_all(engine: Engine, labels: list[str], statuses: Counter[str]) -> int:
    receive = engine.receive
    start = time.perf_counter_ns()
    for label in labels:
        statuses[receive(label).status] += 1
    return time.perf_counter_ns() - start


def _bare_all(engine: Engine, rows: list[tuple[str, int, float, str]]) -> int:
    conn = engine.store.db.conn
    start = time.perf_counter_ns()
    for row in rows:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(BARE_INSERT, row)
        conn.execute("COMMIT")
    return time.perf_counter_ns() - start


def _bare_rows(labels: list[str], line_count: int) -> list[tuple[str, int, float, str]]:
    return [
        (hashlib.sha256(label.encode()).hexdigest(), number % line_count + 1, 1.0, "2026-01-01T00:00:00+00:00")
        for number, label in enumerate(labels)
    ]


def measure_batch(engine: Engine, config: Config, workdir: Path, lines: int) -> dict[str, Any]:
    """Receive ``config.receive_scans`` scans against ``lines`` open lines in interleaved rounds with the bare
    baseline; per-scan medians (ns), statuses and the import time."""
    target, import_seconds = open_lines_store(engine, workdir / f"receive-{lines}.db", lines)
    target.store.db.execute(BARE_TABLE)
    per_round = max(1, config.receive_scans // config.rounds)
    rounds_labels = [scans(lines, per_round, number * per_round, seed=number) for number in range(config.rounds)]
    rounds_rows = [_bare_rows(labels, lines) for labels in rounds_labels]
    statuses: Counter[str] = Counter()
    turns = {"ours": iter(rounds_labels), "baseline": iter(rounds_rows)}
    clear_decode_caches()
    samples = interleaved(
        {
            "ours": lambda: _receive_all(target, next(turns["ours"]), statuses),
            "baseline": lambda: _bare_all(target, next(turns["baseline"])),
        },
        config.rounds,
    )
    target.close()
    return {
        "lines": lines,
        "scans": per_round * config.rounds,
        "per_round": per_round,
        "ours_ns_per_scan": median(samples["ours"]) / per_round,
        "baseline_ns_per_scan": median(samples["baseline"]) / per_round,
        "statuses": dict(statuses),
        "import_seconds": import_seconds,
        "rounds_ns": samples,
    }


def run_batch(engine: Engine, config: Config, workdir: Path) -> Section:
    """Figures: receipts/s at ``receive_lines_small`` open lines, and the growth to ``receive_lines_large``."""
    section = Section("receive")
    log(f"receive: {config.receive_scans:,} scans against {config.receive_lines_small:,} open lines")
    small = measure_batch(engine, config, workdir, config.receive_lines_small)
    log(f"receive: {config.receive_scans:,} scans against {config.receive_lines_large:,} open lines")
    large = measure_batch(engine, config, workdir, config.receive_lines_large)
    ours = small["ours_ns_per_scan"]
    per_second = 1e9 / ours
    section.figures.append(
        Figure(
            key="receive.batch",
            title=f"batch receive: {small['scans']:,} scans, {small['lines']:,} open lines",
            ratio=ours / small["baseline_ns_per_scan"],
            ratio_unit="x bare INSERT txn time",
            target=">= 5,000 receipts/s",
            met=per_second >= 5000 and small["statuses"].get("received", 0) == small["scans"],
            ours=f"{fmt_rate(per_second, ' receipts/s')} ({fmt_us(ours / 1000)}/scan)",
            baseline=f"{fmt_rate(1e9 / small['baseline_ns_per_scan'], ' txn/s')}"
            f" ({fmt_us(small['baseline_ns_per_scan'] / 1000)})",
            values=small,
        )
    )
    growth = large["ours_ns_per_scan"] / ours
    section.figures.append(
        Figure(
            key="receive.scaling",
            title=f"batch receive: cost at {large['lines']:,} vs {small['lines']:,} open lines",
            ratio=growth,
            ratio_unit=f"x cost at {small['lines']:,} lines",
            target="<= 1.5x",
            met=growth <= 1.5 and large["statuses"].get("received", 0) == large["scans"],
            ours=f"{fmt_us(large['ours_ns_per_scan'] / 1000)}/scan at {large['lines']:,} lines",
            baseline=f"{fmt_us(ours / 1000)}/scan at {small['lines']:,} lines",
            values=large,
        )
    )
    for result in (small, large):
        section.details.append(
            f"receive at {result['lines']:,} open lines: {fmt_us(result['ours_ns_per_scan'] / 1000)}/scan"
            f" (bare INSERT txn {fmt_us(result['baseline_ns_per_scan'] / 1000)}, "
            f"{result['ours_ns_per_scan'] / result['baseline_ns_per_scan']:.0f}x); statuses {result['statuses']};"
            f" PO import {result['lines']:,} lines in {result['import_seconds']:.1f} s"
            f" ({fmt_rate(result['lines'] / result['import_seconds'], ' lines/s')})"
        )
    return section


def run_durable(engine: Engine, config: Config, workdir: Path) -> Section:
    """Figure: interactive receive latency with a durable (fsynced) transaction per scan."""
    section = Section("durable")
    lines = config.receive_lines_small
    target, _ = open_lines_store(engine, workdir / "durable.db", lines)
    target.store.set_durable(True)
    target.store.db.execute(BARE_TABLE)
    labels = scans(lines, config.durable_scans, 0, seed=99)
    rows = _bare_rows(labels, lines)
    log(f"durable: {len(labels)} scans, one fsynced transaction each")
    clear_decode_caches()
    ours: list[int] = []
    bare: list[int] = []
    statuses: Counter[str] = Counter()
    for label, row in zip(labels, rows, strict=True):
        ours.append(time_ns(lambda label=label: statuses.update([target.receive(label).status])))
        bare.append(_bare_all(target, [row]))
    synchronous = target.store.db.execute("PRAGMA synchronous").fetchone()[0]
    target.close()
    p99, p50 = percentile(ours, 0.99) / 1e6, median(ours) / 1e6
    section.figures.append(
        Figure(
            key="receive.durable",
            title=f"interactive receive (durable), {len(labels)} scans",
            ratio=None,
            ratio_unit="",
            target="p99 <= 10 ms",
            met=p99 <= 10.0 and statuses.get("received", 0) == len(labels),
            ours=f"p99 {p99:.2f} ms, median {p50:.2f} ms, max {max(ours) / 1e6:.2f} ms",
            baseline=f"(context: bare fsynced INSERT txn median {median(bare) / 1e6:.2f} ms,"
            f" p99 {percentile(bare, 0.99) / 1e6:.2f} ms)",
            values={
                "p99_ms": p99,
                "median_ms": p50,
                "max_ms": max(ours) / 1e6,
                "bare_median_ms": median(bare) / 1e6,
                "bare_p99_ms": percentile(bare, 0.99) / 1e6,
                "statuses": dict(statuses),
                "synchronous": synchronous,
            },
        )
    )
    section.details.append(
        f"durable receive: PRAGMA synchronous={synchronous} (2 = FULL); statuses {dict(statuses)};"
        f" per-scan {per_item_us(sum(ours), len(ours)) / 1000:.2f} ms mean;"
        f" throughput {fmt_rate(rate(sum(ours), len(ours)))}"
    )
    return section
