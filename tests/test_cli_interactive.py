"""The interactive receiving session on a real pseudo-terminal, typed like a keyboard-wedge scanner."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sample_labels import EOT, GS, RS

from barcode_plugins import Engine, PurchaseOrder, PurchaseOrderLine
from barcode_plugins.cli import interactive

PROMPT = interactive.PROMPT.encode()  # it names the end gesture

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


def _read_until(fd: int, marker: bytes, timeout: float = 30.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out waiting for {marker!r}; saw {seen[-500:]!r}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


@contextlib.contextmanager
def _session(db: Path, ordered: int) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """``receive`` on a new pseudo-terminal that is its controlling terminal (so Ctrl-C is a signal), against
    one order line of ``ordered`` LM358DR; the process is killed and the terminal closed however the test ends."""
    import fcntl
    import termios

    from conftest import cli_path

    with Engine(db) as engine:
        line = PurchaseOrderLine("PO-7", 1, mpn="LM358DR", quantity=ordered)
        engine.import_purchase_orders([PurchaseOrder("PO-7", "Farnell", None, "placed", (line,))])
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [cli_path(), "receive"], stdin=secondary, stdout=secondary, stderr=secondary, close_fds=True,
        env={**os.environ, "BARCODE_PLUGINS_DB": str(db)}, start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )  # fmt: skip
    os.close(secondary)
    try:
        yield primary, process
    finally:
        if process.poll() is None:
            process.kill()
        os.close(primary)


def test_wedge_scanner_session_on_a_terminal(tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    with _session(db, ordered=100) as (primary, process):
        _read_until(primary, PROMPT)
        # The scanner types the label with real control characters, EOT included, then Enter (CR).
        label = f"[)>{RS}06{GS}KPO-7{GS}1PLM358DR{GS}Q40{GS}1TLOT-A{RS}{EOT}"
        os.write(primary, label.encode() + b"\r")
        assert b"received 40 on PO-7 line 1" in _read_until(primary, PROMPT)
        os.write(primary, label.encode() + b"\r")
        assert b"already received" in _read_until(primary, b"[n] or scan the next label")
        os.write(primary, b"n\r")  # not another bag: go on
        _read_until(primary, PROMPT)
        # A label without quantity: the session asks for it.
        os.write(primary, f"[)>{RS}06{GS}KPO-7{GS}1PLM358DR{GS}1TLOT-B{RS}{EOT}".encode() + b"\r")
        _read_until(primary, b"quantity for LM358DR")
        os.write(primary, b"5\r")
        assert b"received 5 on PO-7 line 1" in _read_until(primary, PROMPT)
        os.write(primary, b"\r")  # an empty line is ignored (a scanner sending CR+LF makes one per label)
        os.write(primary, b"\x03")  # Ctrl-C ends the session
        output = _read_until(primary, b"total")
        assert process.wait(timeout=30) == 0
    assert b"received          2" in output and b"already received  1" in output
    with Engine(db) as engine:
        assert engine.purchase_order("PO-7").lines[0].received == 45


def test_a_crlf_scanner_session_with_over_receipt_another_bag_and_undo(tmp_path: Path) -> None:
    db = tmp_path / "crlf.db"
    label = f"[)>{RS}06{GS}KPO-7{GS}1PLM358DR{GS}Q40{GS}1TLOT-A{RS}{EOT}".encode()
    with _session(db, ordered=50) as (primary, process):
        _read_until(primary, PROMPT)
        os.write(primary, label + b"\r\n")  # CR+LF: the LF must not end the session
        assert b"received 40 on PO-7 line 1" in _read_until(primary, PROMPT)
        os.write(primary, label + b"\r\n")  # the same bag again: asked, and the stray LF is no answer
        assert b"already received" in _read_until(primary, b"[a] another bag")
        os.write(primary, b"a\r\n")  # another bag like it: 40 more would exceed the 10 outstanding
        assert b"would exceed PO-7 line 1 by 30" in _read_until(primary, b"[y] accept")
        os.write(primary, b"y\r\n")
        assert b"received 40 on PO-7 line 1, 0 outstanding (30 over the order)" in _read_until(primary, PROMPT)
        # A label without quantity on a line that is complete: no quantity asked, an over-receipt offered.
        os.write(primary, f"[)>{RS}06{GS}KPO-7{GS}1PLM358DR{GS}1TLOT-B{RS}{EOT}".encode() + b"\r\n")
        seen = _read_until(primary, b"[y] accept")
        assert b"is complete" in seen and b"quantity for" not in seen
        os.write(primary, b"n\r\n")
        _read_until(primary, PROMPT)
        os.write(primary, label + b"\r\n")
        _read_until(primary, b"[u] undo")
        os.write(primary, b"u\r\n")  # undo the newest receipt of this label (the second bag)
        assert b"undid receipt of 40 on PO-7 line 1; 10 outstanding" in _read_until(primary, PROMPT)
        os.write(primary, b"\x03")
        output = _read_until(primary, b"total")
        assert process.wait(timeout=30) == 0
    assert b"received          2" in output
    with Engine(db) as engine:
        order = engine.purchase_order("PO-7")
        assert order.lines[0].received == 40 and order.status == "placed"


def test_session_summary_counts_an_undo_so_its_rows_add_up() -> None:
    from collections import Counter

    from barcode_plugins.cli.receiving import summary

    table = summary(Counter(received=2, undone=1))
    assert re.search(r"^undone +1$", table, re.MULTILINE) and re.search(r"^total +3$", table, re.MULTILINE)
    assert "undone" not in summary(Counter(received=2))  # a batch never undoes: its table is unchanged

