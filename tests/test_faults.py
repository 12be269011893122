"""Fault injection: what is left after a long command is killed, the disk fills up, the database is read-only, or
the input has no end.

Every check is an invariant, never a timing: a kill lands wherever it lands, and then the database holds all of a
transaction or none of it, its counts agree, no process of the command remains, and running the command again
completes the work. The environment's failures exit 3 with one line and leave the database as it was.
"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from conftest import cli_path
from sample_labels import EOT, GS, RS

from barcode_plugins import Engine

pytestmark = pytest.mark.slow

ORDER_HEADER = "reference,supplier,supplier_reference,status,line,sku,mpn,manufacturer,quantity,destination\n"
#: When the kills land, in seconds after the start: during start-up, early in the work, late in it.
KILL_MOMENTS = (0.3, 0.8, 1.4)


def _label(number: int) -> str:
    return f"[)>{RS}06{GS}KPO-F{GS}1PFAULT-{number}{GS}Q1{GS}1TLOT{number}{RS}{EOT}"


def _env(db: Path) -> dict[str, str]:
    return {**os.environ, "BARCODE_PLUGINS_DB": str(db)}


def _run(db: Path, *args: str, preexec_fn: Callable[[], None] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [cli_path(), *args],
        env=_env(db),
        capture_output=True,
        timeout=300,
        check=False,
        stdin=subprocess.DEVNULL,
        preexec_fn=preexec_fn,
    )


def _start(db: Path, *args: str, output: Path) -> subprocess.Popen[bytes]:
    # Output to a file, not a pipe nobody reads: a full pipe would stop the command before the kill.
    with output.open("wb") as sink:
        return subprocess.Popen(
            [cli_path(), *args], env=_env(db), stdout=subprocess.DEVNULL, stderr=sink, stdin=subprocess.DEVNULL
        )


def _processes_with(marker: str) -> list[int]:
    """Pids of live processes whose command line holds ``marker`` (a forked worker keeps its parent's)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in command and state != "Z":
            found.append(int(entry.name))
    return found


def _assert_no_process_remains(marker: str) -> None:
    # The kernel delivers the workers' death signal at once; allow a moment for it to be acted on under load.
    deadline = time.monotonic() + 10
    while (left := _processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"processes of the killed command remain: {left}"


def _count(db: Path, sql: str) -> int:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
        return int(connection.execute(sql).fetchone()[0] or 0)


def _dump(db: Path) -> list[str]:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
        return list(connection.iterdump())


def _kill_at(db: Path, args: tuple[str, ...], delay: float, tmp_path: Path, sig: int = signal.SIGKILL) -> int:
    process = _start(db, *args, output=tmp_path / "stderr.txt")
    time.sleep(delay)
    process.send_signal(sig)
    return process.wait(timeout=60)


def _prepare_receiving(tmp_path: Path, count: int) -> tuple[Path, Path, int]:
    """A database with one order of ``count`` lines and a file of their ``count`` labels."""
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDER_HEADER + "".join(f"PO-F,acme,,placed,{n},,FAULT-{n},,1,\n" for n in range(1, count + 1)))
    scans = tmp_path / "scans.txt"
    scans.write_text("".join(_label(n) + "\n" for n in range(1, count + 1)))
    db = tmp_path / "receive.db"
    assert _run(db, "po", "import", str(orders)).returncode == 0
    return db, scans, count


@pytest.fixture
def receiving_setup(tmp_path: Path) -> tuple[Path, Path, int]:
    """A database with one order of 2,000 lines and a file of their 2,000 labels."""
    return _prepare_receiving(tmp_path, 2000)


def _assert_receipts_consistent(db: Path) -> int:
    receipts = _count(db, "SELECT COUNT(*) FROM receipts")
    assert _count(db, "SELECT COUNT(*) FROM stock_items") == receipts
    with Engine(db) as engine:  # line totals through the API: how the store keeps quantities is its business
        lines = engine.purchase_order("PO-F").lines
    assert sum(line.received for line in lines) == receipts
    assert all(line.received <= line.quantity for line in lines)
    return receipts


#: The receive's kills land when this many receipts are committed (0: 0.3 s after the start, during start-up): a
#: count, not a time, so that the kills land early and late in the work however fast the machine is.
RECEIPTS_AT_KILL = (0, 40, 200)


def _kill_after_receipts(db: Path, args: tuple[str, ...], receipts: int, tmp_path: Path) -> None:
    process = _start(db, *args, output=tmp_path / "stderr.txt")
    if receipts == 0:
        time.sleep(KILL_MOMENTS[0])
    else:
        while _count(db, "SELECT COUNT(*) FROM receipts") < receipts:
            assert process.poll() is None, "the receive ended before the kill"
            time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)


def test_sigkill_during_receive_leaves_whole_receipts_and_a_rerun_completes(tmp_path: Path) -> None:
    db, scans, count = _prepare_receiving(tmp_path, 400)  # the last kill leaves about half
    booked = []
    for receipts in RECEIPTS_AT_KILL:
        _kill_after_receipts(db, ("receive", "--file", str(scans)), receipts, tmp_path)
        booked.append(_assert_receipts_consistent(db))
        _assert_no_process_remains(str(scans))
    assert booked == sorted(booked) and booked[-1] >= RECEIPTS_AT_KILL[-1]  # nothing committed is ever lost
    rerun = _run(db, "receive", "--json", "--file", str(scans))
    assert rerun.returncode in (0, 1), rerun.stderr  # 1 when some labels were already received: refused
    assert _assert_receipts_consistent(db) == count


@pytest.fixture
def link_file(tmp_path: Path) -> tuple[Path, int]:
    """20,000 rows: enough for the import to decode in worker processes."""
    count = 20_000
    path = tmp_path / "links.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["raw", "item"])
        writer.writerows((f"[)>{RS}06{GS}1PTAG-{n}{GS}Q5{GS}1TLOT{n}{RS}{EOT}", f"part:{n}") for n in range(count))
    return path, count


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killing_link_file_leaves_no_worker_and_all_or_nothing(
    link_file: tuple[Path, int], tmp_path: Path, sig: int
) -> None:
    path, count = link_file
    db = tmp_path / "links.db"
    assert _run(db, "link", "SEED", "part:0").returncode == 0  # the database exists before the first kill
    for delay in KILL_MOMENTS:
        code = _kill_at(db, ("link", "--file", str(path)), delay, tmp_path, sig)
        _assert_no_process_remains(str(path))
        links = _count(db, "SELECT COUNT(*) FROM links")
        assert links in (1, count + 1), f"a killed import left {links - 1} of {count} links"
        if sig == signal.SIGTERM and code == 128 + signal.SIGTERM:  # the handler ran: a clean, one-line end
            message = (tmp_path / "stderr.txt").read_text()
            assert message.startswith("Error: terminated") and message.count("\n") == 1, message
        if links == count + 1:
            break
    rerun = _run(db, "link", "--json", "--file", str(path))
    assert rerun.returncode == 0, rerun.stderr
    assert _count(db, "SELECT COUNT(*) FROM links") == count + 1


def test_sigkill_during_po_import_is_all_or_nothing(tmp_path: Path) -> None:
    count = 40_000
    orders = tmp_path / "big-order.csv"
    orders.write_text(ORDER_HEADER + "".join(f"PO-BIG,acme,,placed,{n},SKU-{n},,,5,\n" for n in range(1, count + 1)))
    db = tmp_path / "orders.db"
    assert _run(db, "link", "SEED", "part:0").returncode == 0
    for delay in KILL_MOMENTS:
        _kill_at(db, ("po", "import", str(orders)), delay, tmp_path)
        _assert_no_process_remains(str(orders))
        assert _count(db, "SELECT COUNT(*) FROM po_lines") in (0, count)
        assert _count(db, "SELECT COUNT(*) FROM purchase_orders") == (
            _count(db, "SELECT COUNT(*) FROM po_lines") // count
        )
    assert _run(db, "po", "import", str(orders)).returncode == 0
    assert _count(db, "SELECT COUNT(*) FROM po_lines") == count


# -- the environment fails -----------------------------------------------------------------------------------


def _can_mount() -> bool:
    return sys.platform == "linux" and hasattr(os, "geteuid") and os.geteuid() == 0


@contextmanager
def _small_filesystem(directory: Path, size: str) -> Iterator[bool]:
    """A tmpfs of ``size`` at ``directory`` if this machine lets us mount one (yields whether it did)."""
    directory.mkdir()
    mounted = _can_mount() and (
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)], check=False).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(directory)], check=False)


def _fill(directory: Path) -> None:
    """Take every free byte of the file system ``directory`` is on."""
    descriptor = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (1 << 16, 1):  # big blocks, then the last bytes one at a time
            try:
                while os.write(descriptor, bytes(size)):
                    pass
            except OSError:
                pass
    finally:
        os.close(descriptor)


def _limit_file_size() -> None:
    # In the child, when no small file system can be mounted: every write fails (EFBIG) as on a full disk;
    # SIGXFSZ is ignored so that the write fails instead of the process dying.
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def _assert_environment_fault(result: subprocess.CompletedProcess[bytes]) -> None:
    stderr = result.stderr.decode()
    assert result.returncode == 3, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "internal error" not in stderr, stderr


def test_full_disk_exits_3_and_leaves_the_database_unchanged(
    receiving_setup: tuple[Path, Path, int], link_file: tuple[Path, int], tmp_path: Path
) -> None:
    prepared, scans, _ = receiving_setup
    links, _ = link_file
    orders = tmp_path / "more.csv"
    orders.write_text(ORDER_HEADER + "".join(f"PO-M,acme,,placed,{n},SKU-{n},,,5,\n" for n in range(1, 2001)))
    commands = (("receive", "--file", str(scans)), ("link", "--file", str(links)), ("po", "import", str(orders)))
    with _small_filesystem(tmp_path / "small", "4m") as mounted:
        db = tmp_path / "small" / "full.db"
        with closing(sqlite3.connect(prepared)) as source, closing(sqlite3.connect(db)) as copy:
            source.backup(copy)
        assert _run(db, "receive", _label(1)).returncode == 0  # writable until the disk fills
        before = _dump(db)
        if mounted:
            _fill(db.parent)
        for command in commands:
            result = _run(db, *command, preexec_fn=None if mounted else _limit_file_size)
            _assert_environment_fault(result)
            assert _dump(db) == before
        if mounted:
            (db.parent / "filler").unlink()
            assert _run(db, "link", "AFTER", "part:1").returncode == 0  # room again: the store works


def test_read_only_database_exits_3_and_is_unchanged(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDER_HEADER + "PO-R,acme,,placed,1,SKU-1,,,5,\n")
    with _small_filesystem(tmp_path / "ro", "4m") as mounted:
        db = tmp_path / "ro" / "store.db"
        assert _run(db, "link", "BEFORE", "part:1").returncode == 0
        before = _dump(db)
        refuse_writes = None
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(db.parent)], check=True)
        elif os.geteuid() != 0:  # permissions make it read-only
            for path in db.parent.iterdir():
                path.chmod(0o444)
            db.parent.chmod(0o555)
        else:  # root ignores permissions and may not mount: a file system that takes no write stands in
            refuse_writes = _limit_file_size
        try:
            for command in (("link", "AFTER", "part:2"), ("unlink", "BEFORE"), ("po", "import", str(orders))):
                _assert_environment_fault(_run(db, *command, preexec_fn=refuse_writes))
            assert _dump(db) == before
        finally:
            if not mounted:
                db.parent.chmod(0o755)


def test_sqlite_full_and_read_only_errors_are_environment_faults(tmp_path: Path) -> None:
    # The in-process path (no mount needed): SQLite's own errors, forced with max_page_count and mode=ro.
    from barcode_plugins.cli.context import environment_fault

    db = tmp_path / "small.db"
    with closing(sqlite3.connect(db)) as connection:
        connection.execute("CREATE TABLE t (x TEXT)")
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA max_page_count = 3")
    with pytest.raises(sqlite3.OperationalError) as full, connection:
        connection.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,)] * 100)
    connection.close()
    read_only = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as refused:
        read_only.execute("INSERT INTO t VALUES ('y')")
    read_only.close()
    for error in (full.value, refused.value, OSError(28, "No space left on device")):
        fault = environment_fault(error)
        assert fault is not None and fault.exit_code == 3, error
    assert environment_fault(sqlite3.OperationalError("no such table: t")) is None
    assert environment_fault(ValueError("disk is full")) is None


# -- input without end ---------------------------------------------------------------------------------------


def _peak_rss_mb(shell_command: str, db: Path) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    """Run ``shell_command`` from a fresh interpreter: the largest child's peak RSS (MB), and the run with what it
    printed (stdout and stderr together) as its ``stderr``."""
    measure = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(['sh', '-c', sys.argv[1]], capture_output=True)\n"
        "sys.stdout.buffer.write(done.stdout[-2000:] + done.stderr[-2000:])\n"
        "print('\\nRSS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", measure, shell_command], env=_env(db), capture_output=True, timeout=300, check=False
    )
    *_, rss, code = result.stdout.decode().rsplit("RSS", 1)[1].split()
    return int(rss) / 1024, subprocess.CompletedProcess(shell_command, int(code), b"", result.stdout)


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ("decode -", "line 1: longer than"),
        ("receive -", "longer than"),
        ("link --file -", "<stdin> line 1: longer than"),
        ("po import /dev/stdin", "/dev/stdin line 1: longer than"),
    ],
)
def test_input_without_newlines_is_read_in_bounded_memory(tmp_path: Path, command: str, fragment: str) -> None:
    # 200 MB without a newline: a reader that looks for the end of the line holds all of it (about 1 GB of peak
    # RSS was seen); a bounded one holds a chunk. A measurement of the process, not a timing.
    rss, result = _peak_rss_mb(f"head -c 200M /dev/zero | '{cli_path()}' {command}", tmp_path / "x.db")
    assert result.returncode == 2, result.stderr
    assert fragment in result.stderr.decode()
    assert rss < 150, f"peak RSS {rss:.0f} MB reading 200 MB without newlines"
