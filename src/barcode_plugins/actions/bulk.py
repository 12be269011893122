"""Bulk link import: many ``(scan, item)`` pairs linked all or nothing, their link keys decoded across processes
when the batch is large.

Decoding is what a bulk import spends its time on (the insert is a fraction of it), and decoders are pure
functions of their text (the conformance suite checks it), so a large batch is split over this process and forked
workers, one process per available core. Forking is used only where it is safe: on Linux, from a process with one
thread. Elsewhere, and for small batches, the scans are decoded in this process.

Workers never outlive the import: on Linux each asks the kernel to kill it when its parent dies
(``PR_SET_PDEATHSIG``), so a SIGKILLed import leaves no process behind; an import that is interrupted (SIGTERM,
Ctrl-C, an error) kills its workers before the error goes on.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import TYPE_CHECKING

from barcode_plugins.errors import BarcodeError, InputError, InvalidItemReference
from barcode_plugins.models import ItemRef

if TYPE_CHECKING:
    from barcode_plugins.decoder import Decoder
    from barcode_plugins.hooks.manager import PluginManager
    from barcode_plugins.models import HookFailure
    from barcode_plugins.store import LinkRow, Store

#: Rows an import reads, decodes and checks at a time (memory is bounded by this, not by the import's size).
IMPORT_BATCH_ROWS = 50_000
#: Batches smaller than this are decoded in this process: starting workers costs more than it saves.
PARALLEL_MIN_ROWS = 2_000
MAX_PROCESSES = 8

#: What a row decodes to: ``(link key, plugin)``, or ``(None, why it cannot be linked)``.
KeyedRow = tuple[str | None, str | None]

# What the forked workers read: set just before the pool starts (the children inherit it, nothing is pickled).
_WORK: tuple[Decoder, PluginManager, Sequence[str]] | None = None


def import_links(
    store: Store,
    decoder: Decoder,
    plugins: PluginManager,
    links: Iterable[tuple[str, str | ItemRef]],
    row_names: Sequence[str] | Callable[[int], str] | None = None,
) -> int:
    """Link many ``(raw, item)`` pairs, all or nothing (see :meth:`Engine.import_links`); returns the number added.

    ``links`` is read :data:`IMPORT_BATCH_ROWS` at a time; when there is more than one batch the checked rows wait
    in a TEMP table until the last one, so memory stays bounded and the store is locked only for the final copy.

    :raises InputError: naming the first row that cannot be linked; nothing is written then.
    """
    from barcode_plugins.store import now  # lazy: decoding a batch needs no store

    def numbered(index: int) -> str:
        return f"row {index + 1}"

    name: Callable[[int], str] = (
        numbered if row_names is None else row_names if callable(row_names) else row_names.__getitem__
    )
    at = now()
    source = iter(links)
    first = 0
    staged = False
    try:
        while batch := list(islice(source, IMPORT_BATCH_ROWS)):
            rows = _checked_link_rows(decoder, plugins, batch, first, name, at)
            first += len(batch)
            if not staged and len(batch) < IMPORT_BATCH_ROWS:
                with store.transaction():  # the whole import is this one batch: straight in
                    added = store.add_link_rows(rows)
                    _log_link_import(store, added, len(rows))
                return added
            store.stage_links(rows)
            staged = True
        if not staged:
            return 0
        with store.transaction():
            added, total = store.add_staged_links()
            _log_link_import(store, added, total)
        return added
    finally:
        if staged:
            store.drop_staged_links()


def _checked_link_rows(
    decoder: Decoder,
    plugins: PluginManager,
    batch: list[tuple[str, str | ItemRef]],
    first: int,
    name: Callable[[int], str],
    at: str,
) -> list[LinkRow]:
    """One batch of an import as table rows; :class:`InputError` names the first row that cannot be linked."""
    targets: list[ItemRef] = []
    for index, (_, item) in enumerate(batch, first):
        try:
            targets.append(item if isinstance(item, ItemRef) else ItemRef.parse(item))
        except InvalidItemReference as error:
            raise InputError(f"{name(index)}: {error.message}") from None
    rows: list[LinkRow] = []
    keyed = link_keys(decoder, plugins, [raw for raw, _ in batch])
    for index, ((raw, _), target, (key, plugin)) in enumerate(zip(batch, targets, keyed, strict=True), first):
        if key is None:
            raise InputError(f"{name(index)}: {plugin}")
        rows.append((key, target.type, target.id, raw, plugin, at))
    return rows


def _log_link_import(store: Store, added: int, total: int) -> None:
    store.add_history("link_import", "imported", "", message=f"{added} link(s) added, {total - added} already linked")


def link_keys(decoder: Decoder, plugins: PluginManager, raws: Sequence[str]) -> list[KeyedRow]:
    """The link key and decoding plugin of every scan, in order; a scan that cannot be linked (it does not decode,
    or it is an internal barcode) gives ``(None, reason)``. ``plugins`` is the decoder's manager: failures that
    plugins had in worker processes are recorded there too."""
    processes = _processes() if len(raws) >= PARALLEL_MIN_ROWS else 1
    if processes <= 1:
        return _key_rows(decoder, raws)
    import multiprocessing  # lazy: only large imports start workers
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _WORK
    _WORK = (decoder, plugins, raws)
    # Equal shares, one per process; this process decodes the first while the workers decode the rest.
    size = -(-len(raws) // processes)
    shares = [(start, min(start + size, len(raws))) for start in range(0, len(raws), size)]
    if len(shares) < 2:
        return _key_rows(decoder, raws)
    keyed: list[KeyedRow] = []
    before = {child.pid for child in multiprocessing.active_children()}
    # An executor, not multiprocessing.Pool: a worker that dies (killed, out of memory) breaks it with an
    # error instead of leaving the import waiting forever; its share is then decoded here.
    pool = ProcessPoolExecutor(
        len(shares) - 1,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )
    try:
        futures = [pool.submit(_key_chunk, share) for share in shares[1:]]
        keyed.extend(_key_rows(decoder, raws[shares[0][0] : shares[0][1]]))
        for (start, stop), future in zip(shares[1:], futures, strict=True):
            try:
                rows, failures = future.result()
            except BrokenProcessPool:
                rows, failures = _key_rows(decoder, raws[start:stop]), []
            keyed.extend(rows)
            plugins.failures.extend(failures)  # a plugin that failed in a worker is reported here too
    except BaseException:
        # Interrupted (SIGTERM, Ctrl-C, an error): the workers' answers are no longer wanted; waiting for them
        # would keep the import alive for seconds after it was told to stop.
        for child in multiprocessing.active_children():
            if child.pid not in before:
                child.kill()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _WORK = None
    return keyed


def _die_with_parent(parent: int) -> None:
    # In a worker, first thing: the kernel sends SIGKILL when the parent dies (even by SIGKILL), and a parent
    # that died before this line ran is noticed here (the worker was then adopted by another process).
    try:
        import ctypes  # lazy: only workers of a large import need it

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux's libc: the parent check below still applies
        pass
    if os.getppid() != parent:
        os._exit(1)


def _processes() -> int:
    if sys.platform != "linux" or threading.active_count() > 1:
        return 1  # fork is unsafe with other threads running, and not the default elsewhere
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return min(cores, MAX_PROCESSES)


def _key_chunk(bounds: tuple[int, int]) -> tuple[list[KeyedRow], list[HookFailure]]:
    # In a worker: the rows of one share, and the plugin failures they caused.
    assert _WORK is not None, "link_keys sets the work before the pool starts"
    decoder, plugins, raws = _WORK
    known = len(plugins.failures)
    rows = _key_rows(decoder, raws[bounds[0] : bounds[1]])
    return rows, plugins.failures[known:]


def _key_rows(decoder: Decoder, raws: Sequence[str]) -> list[KeyedRow]:
    rows: list[KeyedRow] = []
    for raw in raws:
        try:
            barcode = decoder.decode(raw)
            if barcode.kind == "internal":
                rows.append((None, f"an internal barcode for {barcode.item} needs no link"))
            else:
                rows.append((decoder.link_key(barcode), barcode.plugin))
        except BarcodeError as error:
            rows.append((None, error.message))
    return rows
