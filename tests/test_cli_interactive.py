"""The interactive receiving session on a real pseudo-terminal, typed like a keyboard-wedge scanner."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

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


def _controlling_terminal(fcntl: ModuleType, termios: ModuleType) -> None:
    """In the child: stdin becomes the controlling terminal, and Ctrl-C its default signal again (a test run
    started in the background, or a parallel worker, may ignore SIGINT, and the child would inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


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
        preexec_fn=lambda: _controlling_terminal(fcntl, termios),
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


def test_a_scanner_ending_labels_with_tab_gets_one_receipt_per_label(tmp_path: Path) -> None:
    # Scanners are often set to send Tab after a label (to move between form fields); in the terminal's line
    # mode a Tab ends nothing, so two labels used to become one scan and the second one was lost.
    with _session(tmp_path / "tab.db", ordered=100) as (primary, process):
        _read_until(primary, PROMPT)
        for lot, quantity in (("LOT-A", 10), ("LOT-B", 20)):
            os.write(primary, f"[)>{RS}06{GS}KPO-7{GS}1PLM358DR{GS}Q{quantity}{GS}1T{lot}{RS}{EOT}\t".encode())
        seen = _read_until(primary, b"received 20 on PO-7 line 1, 70 outstanding")
        assert b"received 10 on PO-7 line 1, 90 outstanding" in seen
        if PROMPT not in seen.rsplit(b"70 outstanding", 1)[1]:
            _read_until(primary, PROMPT)  # Ctrl-C at the prompt, as a person presses it (not while it is printing)
        os.write(primary, b"\x03")
        assert b"received          2" in _read_until(primary, b"total")
        assert process.wait(timeout=30) == 0


def test_ctrl_c_at_a_question_still_counts_that_scan(tmp_path: Path) -> None:
    with _session(tmp_path / "asked.db", ordered=100) as (primary, process):
        _read_until(primary, PROMPT)
        os.write(primary, f"[)>{RS}06{GS}KPO-7{GS}1PLM358DR{GS}1TLOT-A{RS}{EOT}\r".encode())  # no quantity
        _read_until(primary, b"quantity for LM358DR")
        os.write(primary, b"\x03")  # the person leaves instead of answering
        output = _read_until(primary, b"total")
        output += _read_until(primary, b"\n")
        assert process.wait(timeout=30) == 0
    assert re.search(rb"needs quantity +1", output) and re.search(rb"total +1", output), output


def test_session_summary_counts_an_undo_so_its_rows_add_up() -> None:
    from collections import Counter

    from barcode_plugins.cli.outcomes import summary

    table = summary(Counter(received=2, undone=1))
    assert re.search(r"^undone +1$", table, re.MULTILINE) and re.search(r"^total +3$", table, re.MULTILINE)
    assert "undone" not in summary(Counter(received=2))  # a batch never undoes: its table is unchanged


# --- The packing bench under tmux: a real terminal emulator, keys sent one by one like a wedge scanner's -------

#: How tmux names the keys a scanner sends for the label's control characters and line ends.
TMUX_KEYS = {GS: "C-]", RS: "C-^", EOT: "C-d", "\r": "C-m", "\n": "C-j", "\x03": "C-c"}
ARTIFACTS = Path(__file__).parent / "artifacts"


class _Bench:
    """A tmux server of its own (never the user's), one 160x40 window running a shell script."""

    def __init__(self, tmp_path: Path) -> None:
        self.socket = f"bp-bench-{os.getpid()}-{tmp_path.name}"

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def type(self, text: str) -> None:
        """Send ``text`` key by key in one tmux call, as fast as a scanner types it."""
        args: list[str] = []
        for char in text:
            args += [";"] if args else []
            if char in TMUX_KEYS:
                args += ["send-keys", "-t", "bench", TMUX_KEYS[char]]
            else:
                args += ["send-keys", "-t", "bench", "-l", char]
        self.tmux(*args)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "bench")

    def wait_for(self, marker: str, count: int = 1, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if screen.count(marker) >= count:
                return screen
            assert time.monotonic() < deadline, f"timed out waiting for {marker!r}:\n{screen}"
            time.sleep(0.05)


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[_Bench]:
    import shutil

    if shutil.which("tmux") is None:  # .ci/run installs it; a developer's machine needs it too
        pytest.fail("tmux is not installed (apt-get install tmux)")
    bench = _Bench(tmp_path)
    try:
        yield bench
    finally:
        subprocess.run(["tmux", "-L", bench.socket, "kill-server"], capture_output=True, timeout=30)


def test_packing_bench_session_under_tmux(tmp_path: Path, bench: _Bench) -> None:
    from conftest import cli_path
    from sample_labels import DIGIKEY, MOUSER

    from barcode_plugins.files.po_files import read_purchase_orders

    orders = tmp_path / "orders.csv"
    orders.write_text(
        "reference,supplier,supplier_reference,status,line,sku,mpn,manufacturer,quantity,destination\n"
        "PO-0042,mouser,,placed,3,,NE555DR,Texas Instruments,50,shelf B1\n"
        "PO-DK-1,digikey,81234567,placed,1,497-1234-1-ND,STM32F103C8T6,STMicroelectronics,100,shelf A1\n"
    )  # the README's orders.csv
    db = tmp_path / "shop.db"
    with Engine(db) as engine:
        engine.import_purchase_orders(read_purchase_orders(orders))
    script = tmp_path / "bench.sh"
    script.write_text(
        "trap : INT\n"  # Ctrl-C is for the session, the shell waits on (its children get the default action)
        f"stty -a > {tmp_path}/before.txt\n"
        f"BARCODE_PLUGINS_DB={db} {cli_path()} receive\n"
        f"echo exit=$?\nstty -a > {tmp_path}/after.txt\nexec sleep 600\n"
    )
    bench.tmux("new-session", "-d", "-s", "bench", "-x", "160", "-y", "40", f"sh {script}")
    bench.wait_for(interactive.PROMPT.rstrip())
    digikey = DIGIKEY + RS + EOT  # as printed, trailer included
    bench.type(digikey + "\r")  # a scanner sending CR
    bench.wait_for("received 25 on PO-DK-1 line 1, 75 outstanding")
    bench.type(digikey + "\r\n")  # a scanner sending CR+LF; the same bag again is refused, another bag is offered
    bench.wait_for("[a] another bag")
    bench.type("a\r\n")
    bench.wait_for("received 25 on PO-DK-1 line 1, 50 outstanding")
    bench.type(MOUSER + "\r\n")
    bench.wait_for("received 50 on PO-0042 line 3, 0 outstanding")
    bench.type(MOUSER + "\r\n")
    bench.wait_for("[a] another bag", count=2)
    bench.type("a\r\n")
    bench.wait_for("[y] accept the over-receipt")
    bench.type("y\r\n")
    bench.wait_for("(50 over the order)")
    bench.type(MOUSER + "\r\n")
    bench.wait_for("[a] another bag", count=3)
    bench.type("u\r\n")  # undo the second bag
    bench.wait_for("undid receipt of 50 on PO-0042 line 3")
    time.sleep(0.3)  # a stray LF would show as a second prompt by now
    bench.type("\x03")
    screen = bench.wait_for("exit=")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "bench-session.txt").write_text(screen)

    assert "exit=0" in screen
    assert "Traceback" not in screen and "\x1b" not in screen and "␛" not in screen
    # One prompt per question: the LF of CR+LF is swallowed, not answered with a second prompt.
    prompt = interactive.PROMPT.rstrip()
    assert not any(line.count(prompt) > 1 for line in screen.splitlines()), screen
    # The summary's rows add up to its total, the undo included.
    table = screen.split("outcome")[-1].split("exit=")[0]
    rows = {name: int(n) for name, n in re.findall(r"^(\w[\w ]*?) +(\d+)$", table, re.MULTILINE)}
    assert rows["total"] == 5 and rows["received"] == 4 and rows["undone"] == 1
    assert sum(n for name, n in rows.items() if name != "total") == rows["total"]
    assert (tmp_path / "before.txt").read_text() == (tmp_path / "after.txt").read_text()  # terminal restored
    with Engine(db) as engine:
        assert engine.purchase_order("PO-DK-1").lines[0].received == 50
        assert engine.purchase_order("PO-0042").lines[0].received == 50
        assert [entry.status for entry in engine.history(action="receive")].count("received") == 4
