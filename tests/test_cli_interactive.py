"""The interactive receiving session on a real pseudo-terminal, typed like a keyboard-wedge scanner."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sample_labels import EOT, GS, RS

from barcode_plugins import Engine, PurchaseOrder, PurchaseOrderLine

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


def test_wedge_scanner_session_on_a_terminal(tmp_path: Path) -> None:
    from conftest import cli_path

    db = tmp_path / "bench.db"
    with Engine(db) as engine:
        line = PurchaseOrderLine("PO-7", 1, mpn="LM358DR", quantity=100)
        engine.import_purchase_orders([PurchaseOrder("PO-7", "Farnell", None, "placed", (line,))])
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [cli_path(), "receive"], stdin=secondary, stdout=secondary, stderr=secondary, close_fds=True,
        env={**os.environ, "BARCODE_PLUGINS_DB": str(db)},
    )  # fmt: skip
    os.close(secondary)
    try:
        _read_until(primary, b"scan> ")
        # The scanner types the label with real control characters, EOT included, then Enter (CR).
        label = f"[)>{RS}06{GS}KPO-7{GS}1PLM358DR{GS}Q40{GS}1TLOT-A{RS}{EOT}"
        os.write(primary, label.encode() + b"\r")
        assert b"received 40 on PO-7 line 1" in _read_until(primary, b"scan> ")
        os.write(primary, label.encode() + b"\r")
        assert b"already received" in _read_until(primary, b"scan> ")
        # A label without quantity: the session asks for it.
        os.write(primary, f"[)>{RS}06{GS}KPO-7{GS}1PLM358DR{GS}1TLOT-B{RS}{EOT}".encode() + b"\r")
        _read_until(primary, b"quantity for LM358DR")
        os.write(primary, b"5\r")
        assert b"received 5 on PO-7 line 1" in _read_until(primary, b"scan> ")
        os.write(primary, b"\r")  # an empty line ends the session
        output = _read_until(primary, b"total")
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(primary)
    assert b"received          2" in output and b"already received  1" in output
    with Engine(db) as engine:
        assert engine.purchase_order("PO-7").lines[0].received == 45
