"""Links: lookup with many links stored (``scan`` and ``Store.get_link``) and bulk import.

Baselines: a bare SQLite primary-key select on the same connection, and sqlite-utils ``insert_all`` of the same
rows into the same schema.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import corpus
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
    percentile,
    rate,
    time_ns,
)

if TYPE_CHECKING:
    from barcode_plugins import Engine, Link
    from barcode_plugins.store import Store

BARE_SELECT = "SELECT * FROM links WHERE link_key = ?"
# What any logged lookup must write: one history row, in its own transaction (as Engine.scan does).
BARE_LOG = "INSERT INTO history (at, action, status, raw, barcode_hash) VALUES (?, 'scan', 'found', ?, ?)"
CREATED_AT = "2026-01-01T00:00:00.000000+00:00"


def linkable(engine: Engine, texts: list[str], count: int) -> list[tuple[str, str]]:
    """``(raw, link key)`` for up to ``count`` texts that decode and may be linked (not internal labels)."""
    from barcode_plugins import BarcodeError

    found: list[tuple[str, str]] = []
    keys: set[str] = set()
    for text in texts:
        try:
            barcode = engine.decode(text)
        except BarcodeError:
            continue
        key = engine.link_key(barcode)
        if barcode.kind != "internal" and key not in keys:
            keys.add(key)
            found.append((text, key))
            if len(found) == count:
                break
    return found


def _filler(start: int, stop: int) -> Iterator[Link]:
    from barcode_plugins import ItemRef, Link

    for number in range(start, stop):
        key = hashlib.sha256(f"filler-{number}".encode()).hexdigest()
        yield Link(key, ItemRef("stockitem", str(number)), f"FILLER-{number}", None, CREATED_AT)


def _linked(pairs: list[tuple[str, str]]) -> list[Link]:
    from barcode_plugins import ItemRef, Link

    return [
        Link(key, ItemRef("stockitem", str(10_000_000 + number)), raw, None, CREATED_AT)
        for number, (raw, key) in enumerate(pairs)
    ]


def _fill(store: Store, links: Iterator[Link] | list[Link]) -> tuple[int, int]:
    start = time.perf_counter_ns()
    added = store.add_links(links)
    return added, time.perf_counter_ns() - start


def run_lookup(engine: Engine, config: Config, mixed: corpus.Corpus, workdir: Path) -> Section:
    """Figures: ``scan`` of a linked label and ``Store.get_link``, each against a bare primary-key select, with
    ``links_small`` and then ``links_large`` links stored (the same file, grown)."""
    from barcode_plugins import Engine as EngineClass

    section = Section("links")
    pairs = linkable(engine, mixed.texts, config.lookups)
    quarter = len(pairs) // 4
    sets = [[raw for raw, _ in pairs[i * quarter : (i + 1) * quarter]] for i in range(4)]
    lookup_engine = EngineClass(workdir / "links.db", plugins=engine.plugins)
    store = lookup_engine.store
    small_fillers = config.links_small - len(pairs)
    rng = random.Random(7)
    keys = [key for _, key in pairs] + [
        link.link_key for number in rng.sample(range(small_fillers), 500) for link in _filler(number, number + 1)
    ]
    rng.shuffle(keys)
    added, spent = _fill(store, _linked(pairs))
    added2, spent2 = _fill(store, _filler(0, small_fillers))
    fill_times = [f"{added + added2:,} links in {(spent + spent2) / 1e9:.1f} s"]
    results: dict[int, dict[str, Any]] = {}
    results[store.count_links()] = _measure_lookups(lookup_engine, config, keys, sets[0], sets[1])
    log(f"links: growing the store to {config.links_large:,} links with Store.add_links")
    added3, spent3 = _fill(store, _filler(small_fillers, config.links_large - len(pairs)))
    fill_times.append(f"+{added3:,} links in {spent3 / 1e9:.1f} s ({fmt_rate(rate(spent3, added3))})")
    count = store.count_links()
    results[count] = _measure_lookups(lookup_engine, config, keys, sets[2], sets[3])
    lookup_engine.close()
    large = results[count]
    titles = {"get_link": "link lookup: Store.get_link", "scan": "link lookup: Engine.scan (linked label)"}
    for name, title in titles.items():
        ratio = large[name] / large["bare"]
        section.figures.append(
            Figure(
                key=f"links.{name}",
                title=f"{title}, {count:,} links",
                ratio=ratio,
                ratio_unit="x bare select (median)",
                target="median <= 3x",
                met=ratio <= 3.0,
                ours=f"median {fmt_us(large[name] / 1000)}, p99 {fmt_us(large[name + '_p99'] / 1000)}",
                baseline=f"bare PK select {fmt_us(large['bare'] / 1000)}",
                values={"median_ns": large[name], "bare_median_ns": large["bare"], "by_size": results},
            )
        )
    section.details.append(f"store filled with Store.add_links: {'; '.join(fill_times)}")
    section.details.extend(_lookup_lines(results))
    section.details.append(_scan_floor(large))
    section.data["by_size"] = results
    return section


def _measure_lookups(
    engine: Engine, config: Config, keys: list[str], scan_raws: list[str], decode_raws: list[str]
) -> dict[str, Any]:
    """Per-operation medians (ns): a bare select and ``get_link`` over ``keys``, interleaved key by key;
    ``scan`` and ``decode`` each over their own linked labels, never decoded before (caches cleared)."""
    store = engine.store
    conn = store.db.conn
    samples: dict[str, list[int]] = {"bare": [], "get_link": [], "bare_logged": [], "scan": [], "decode": []}

    def bare_logged(key: str) -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(BARE_SELECT, (key,)).fetchone()
        conn.execute(BARE_LOG, (CREATED_AT, key, key))
        conn.execute("COMMIT")

    for number in range(config.rounds):
        for index, key in enumerate(keys):
            order = ("bare", "get_link", "bare_logged")
            shift = (index + number) % 3
            for name in order[shift:] + order[:shift]:
                if name == "bare":
                    samples[name].append(time_ns(lambda key=key: conn.execute(BARE_SELECT, (key,)).fetchone()))
                elif name == "get_link":
                    samples[name].append(time_ns(lambda key=key: store.get_link(key)))
                else:
                    samples[name].append(time_ns(lambda key=key: bare_logged(key)))
    clear_decode_caches()
    samples["scan"] = [time_ns(lambda raw=raw: engine.scan(raw)) for raw in scan_raws]
    clear_decode_caches()
    samples["decode"] = [time_ns(lambda raw=raw: engine.decode(raw)) for raw in decode_raws]
    linked = sum(engine.scan(raw).link is not None for raw in scan_raws[:50])
    if linked != min(50, len(scan_raws)):
        raise RuntimeError(f"only {linked} of the first 50 scanned labels were found linked")
    result: dict[str, Any] = {name: median(values) for name, values in samples.items()}
    result.update({f"{name}_p99": percentile(values, 0.99) for name, values in samples.items()})
    result["keys"] = len(keys)
    result["scans"] = len(scan_raws)
    return result


def _scan_floor(result: dict[str, Any]) -> str:
    """Why ``scan`` cannot be within 3x of a bare select: what it must do at the least, each part measured."""
    bare, logged, decode, scan = result["bare"], result["bare_logged"], result["decode"], result["scan"]
    floor = decode + logged
    return (
        f"scan's floor: a scan is decoded ({fmt_us(decode / 1000)}, {decode / bare:.1f}x the bare select alone)"
        f" and logged in the history (bare select + one INSERT + COMMIT: {fmt_us(logged / 1000)},"
        f" {logged / bare:.1f}x); together {fmt_us(floor / 1000)} = {floor / bare:.1f}x the bare select before any"
        f" matching. Engine.scan takes {scan / floor:.2f}x that floor."
    )


def _lookup_lines(results: dict[int, dict[str, Any]]) -> list[str]:
    lines = ["link lookup by store size (median per operation; scan = decode + lookup + match + history write):"]
    for size, result in results.items():
        bare = result["bare"]
        lines.append(
            f"  {size:>9,} links: bare select {fmt_us(bare / 1000)}, get_link {fmt_us(result['get_link'] / 1000)}"
            f" ({result['get_link'] / bare:.1f}x), decode {fmt_us(result['decode'] / 1000)},"
            f" scan {fmt_us(result['scan'] / 1000)} ({result['scan'] / bare:.0f}x;"
            f" p99 {fmt_us(result['scan_p99'] / 1000)})"
        )
    return lines


def run_import(engine: Engine, config: Config, mixed: corpus.Corpus, workdir: Path) -> Section:
    """Figures: ``Engine.import_links`` and ``Store.add_links`` rates against sqlite-utils ``insert_all``."""
    from barcode_plugins import Engine as EngineClass
    from barcode_plugins import ItemRef, Link

    section = Section("import")
    pairs = linkable(engine, mixed.texts, config.import_rows)
    count = len(pairs)
    items = [ItemRef("stockitem", str(number)) for number in range(count)]
    prepared = [
        Link(key, item, raw, engine.decode(raw).plugin, CREATED_AT)
        for (raw, key), item in zip(pairs, items, strict=True)
    ]
    rows = [
        {
            "link_key": link.link_key,
            "item_type": link.item.type,
            "item_id": link.item.id,
            "raw": link.raw,
            "plugin": link.plugin,
            "created_at": link.created_at,
        }
        for link in prepared
    ]
    raw_pairs = [(raw, item) for (raw, _), item in zip(pairs, items, strict=True)]
    databases = iter(range(10_000))

    def fresh() -> Engine:
        fresh_engine = EngineClass(workdir / f"import-{next(databases)}.db", plugins=engine.plugins)
        fresh_engine.store.count_links()  # open and create the schema outside the timed part
        return fresh_engine

    from barcode_plugins.actions import bulk

    def one_process(target: Engine) -> int:
        # import_links with the worker processes turned off: what a one-core machine (or a threaded host) gets.
        saved, bulk.PARALLEL_MIN_ROWS = bulk.PARALLEL_MIN_ROWS, len(raw_pairs) + 1
        try:
            return time_ns(lambda: target.import_links(raw_pairs))
        finally:
            bulk.PARALLEL_MIN_ROWS = saved

    def timed(action: str) -> int:
        target = fresh()
        try:
            if action == "import_links":
                return time_ns(lambda: target.import_links(raw_pairs))
            if action == "import_links_one_process":
                return one_process(target)
            if action == "add_links":
                return time_ns(lambda: target.store.add_links(prepared))
            return time_ns(lambda: target.store.db["links"].insert_all(rows, ignore=True))
        finally:
            _check_count(target, count)
            target.close()

    log(f"import: {count:,} rows, {config.rounds} interleaved rounds, a fresh database file each time")
    samples = interleaved(
        {
            name: lambda name=name: timed(name)
            for name in ("import_links", "import_links_one_process", "add_links", "insert_all")
        },
        config.rounds,
    )
    baseline = median(samples["insert_all"])
    processes = bulk._processes() if count >= bulk.PARALLEL_MIN_ROWS else 1
    for name, title in (
        ("add_links", "bulk link import: Store.add_links"),
        ("import_links", f"bulk link import: Engine.import_links ({processes} decoding processes)"),
        ("import_links_one_process", "bulk link import: Engine.import_links in one process (context)"),
    ):
        ours = median(samples[name])
        ratio = rate(ours, count) / rate(baseline, count)
        section.figures.append(
            Figure(
                key=f"import.{name}",
                title=f"{title}, {count:,} rows",
                ratio=ratio,
                ratio_unit="x insert_all rate",
                target=">= 0.5x" if name != "import_links_one_process" else "none (one core)",
                met=ratio >= 0.5 if name != "import_links_one_process" else None,
                ours=fmt_rate(rate(ours, count), " rows/s"),
                baseline=f"insert_all {fmt_rate(rate(baseline, count), ' rows/s')}",
                values={"ours_ns": ours, "baseline_ns": baseline, "rows": count, "rounds_ns": samples},
            )
        )
    decode_ns = time_ns(lambda: [engine.decode(raw) for raw, _ in raw_pairs])
    single, parallel = median(samples["import_links_one_process"]), median(samples["import_links"])
    bound = ", so one core cannot reach 0.5x" if decode_ns > 2 * baseline else ""
    section.details.append(
        f"import: Engine.import_links decodes every scan first; in one process decoding the {count:,} rows alone"
        f" takes {decode_ns / 1e6:.0f} ms ({decode_ns / baseline:.2f}x insert_all's whole time) of its"
        f" {single / 1e6:.0f} ms{bound}; with {processes} worker processes (batches of"
        f" {bulk.PARALLEL_MIN_ROWS:,} rows or more, Linux) the import takes {parallel / 1e6:.0f} ms"
    )
    return section


def _check_count(engine: Engine, expected: int) -> None:
    stored = engine.store.count_links()
    if stored != expected:
        raise RuntimeError(f"import stored {stored} links, expected {expected}")
