"""The interactive receiving session for a keyboard-wedge scanner at a terminal.

A wedge scanner types the label as keystrokes, control characters included. In the terminal's normal mode some
of them are line-editing or signal keys (Ctrl-D = EOT ends the input, Ctrl-\\ = FS quits, Ctrl-V quotes the next
key, Ctrl-S freezes output), so the session turns those off for its duration — keeping Ctrl-C and backspace —
makes Tab end a line as Enter does, and restores the terminal however it ends.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from barcode_plugins.cli.context import AppContext, print_json
from barcode_plugins.cli.outcomes import COLOURS, summary
from barcode_plugins.cli.output import visible
from barcode_plugins.models import ReceiveResult

if TYPE_CHECKING:
    from barcode_plugins.engine import Engine
    from barcode_plugins.quantities import Quantity


@contextlib.contextmanager
def raw_control_characters(fd: int) -> Iterator[None]:
    """Let control characters through as data (POSIX terminals; a no-op elsewhere)."""
    try:
        import termios
    except ImportError:  # Windows: the console passes them already
        yield
        return
    try:
        saved = termios.tcgetattr(fd)
    except termios.error:
        yield
        return
    changed = termios.tcgetattr(fd)
    disabled = b"\x00" if isinstance(changed[6][0], bytes) else 0
    for name in ("VEOF", "VQUIT", "VSUSP", "VLNEXT", "VWERASE", "VREPRINT", "VDISCARD", "VDSUSP", "VSTATUS"):
        index = getattr(termios, name, None)
        if index is not None and index < len(changed[6]):
            changed[6][index] = disabled
    # A scanner set to send Tab after each label (to move between form fields) must end the scan as Enter does,
    # or two labels become one line and the second is lost.
    changed[6][termios.VEOL] = b"\t" if isinstance(changed[6][0], bytes) else ord("\t")
    changed[0] &= ~(termios.IXON | getattr(termios, "IXOFF", 0))
    termios.tcsetattr(fd, termios.TCSANOW, changed)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)


#: How the session ends: Ctrl-C. A wedge scanner types labels (printable text, GS, RS, EOT, CR, LF, Tab) and
#: no EIGP-114 label holds ETX, the byte Ctrl-C sends; an empty line, by contrast, is what a scanner set to send
#: CR+LF produces after every label, so empty lines are ignored.
END_GESTURE = "Ctrl-C"
#: Every prompt says how to end, so nobody reaches for Enter (which a CR+LF scanner sends after each label).
PROMPT = f"scan ({END_GESTURE} ends)> "
#: What a scanner sends after a label: Enter (CR, LF or both) or Tab; each ends a scan.
LINE_ENDS = b"\r\n\t"


def _pending_line() -> bytes | None:
    """A line the terminal already holds, read without waiting (``None`` if there is none or we cannot tell)."""
    import select  # lazy: only the session needs it

    try:
        ready, _, _ = select.select([sys.stdin], [], [], 0)
    except (OSError, ValueError):  # Windows consoles cannot be polled; a closed stdin
        return None
    return _read_terminal_line() if ready else None


def _read_terminal_line() -> bytes:
    """One line as the terminal delivers it, ended by Enter or by Tab (``b""`` at end of input).

    Read from the descriptor, not through ``sys.stdin``'s buffer, whose ``readline`` would wait on past a Tab
    for a newline.
    """
    import os  # lazy: only the session needs it

    line = b""
    while True:
        chunk = os.read(sys.stdin.fileno(), 65536)
        line += chunk
        if not chunk or chunk.endswith((b"\n", b"\t")):
            return line


def _read_line(prompt: str) -> str | None:
    """One line from the terminal (``None`` at end of input), decoded leniently: a scan is data, not a command.

    Empty lines already waiting are dropped before prompting: a scanner sending CR+LF delivers the LF's empty
    line while the label is being handled, and prompting for it would print a second prompt after every label.
    """
    line = _pending_line()
    while line is not None and line and not line.strip(LINE_ENDS):
        line = _pending_line()
    click.echo(prompt, nl=False, err=True)
    if line is None:
        line = _read_terminal_line()
    if not line:
        return None
    if line.endswith(b"\t"):  # the terminal echoed a Tab, not a newline: the outcome goes on a line of its own
        click.echo("", err=True)
    return line.rstrip(LINE_ENDS).decode("utf-8", errors="replace")


def run_session(app: AppContext, options: dict[str, Any], as_json: bool) -> None:
    """Read scans until Ctrl-C or end of input; print each outcome and offer what can follow it (a quantity,
    accepting an over-receipt, another bag like one already received, undoing a receipt); then the summary."""
    engine = app.engine
    engine.set_durable(True)  # a person just saw "received": it must survive a power cut
    counts: Counter[str] = Counter()
    click.echo(f"Scan labels; {END_GESTURE} ends the session (empty lines are ignored).", err=True)
    try:
        with raw_control_characters(sys.stdin.fileno()):
            scan = _read_line(PROMPT)
            while scan is not None:
                if not scan.strip():
                    scan = _read_line(PROMPT)
                    continue
                scan = _receive_with_answers(engine, scan, options, as_json, counts)
                if scan is None:
                    scan = _read_line(PROMPT)
    except (KeyboardInterrupt, EOFError):
        click.echo("", err=True)
    click.echo(summary(counts), err=as_json)


def _receive_with_answers(
    engine: Engine, scan: str, options: dict[str, Any], as_json: bool, counts: Counter[str]
) -> str | None:
    """Receive one scan and follow its outcome up with the person at the bench; count its final outcome (also
    when Ctrl-C ends the session at a question). Returns the next scan, if the answer to a question was one
    (scanning the next label declines the offer)."""
    asked = dict(options)
    result: ReceiveResult | None = None
    try:
        with _ctrl_c_held():
            result = engine.receive(scan, **options)
            _show(result, as_json)
        for _ in range(4):  # e.g. another bag -> over-receipt accepted -> quantity: a few steps at most
            question = _question(result)
            if question is None:
                return None
            answer = _read_line(question)
            while answer is not None and not answer.strip():  # the LF of a scanner sending CR+LF is no answer
                answer = _read_line("")
            if answer is None:
                return None
            choice = answer.strip().lower()
            if result.status == "needs_quantity":
                quantity = _quantity(choice)
                if quantity is None:
                    return answer
                asked["quantity"] = quantity
            elif choice == "y" and result.status == "over_receipt":
                asked["allow_over"] = True
            elif choice == "a" and result.status == "already_received":
                asked["another"] = True
            elif choice == "u" and result.status == "already_received" and result.barcode is not None:
                with _ctrl_c_held():
                    result = engine.undo_receipt(result.barcode.barcode_hash)
                    _show(result, as_json)
                return None
            else:
                return None if choice == "n" else answer
            with _ctrl_c_held():
                result = engine.receive(scan, **asked)
                _show(result, as_json)
        return None
    finally:
        if result is not None:
            counts[result.status] += 1


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold a Ctrl-C until the block ends: a receipt that was booked is also shown and counted in the summary.

    Ctrl-C between the commit and the count used to end the session with that receipt missing from the summary.
    The wait is bounded by one receive (at most the store's busy timeout). Only the main thread has signals.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: held.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if held:
        raise KeyboardInterrupt


def _question(result: ReceiveResult) -> str | None:
    if result.status == "needs_quantity":
        barcode = result.barcode
        part = (barcode.supplier_part_number or barcode.manufacturer_part_number) if barcode else None
        return f"quantity for {part or 'this label'} (or scan the next label): "
    if result.status == "over_receipt":
        return "[y] accept the over-receipt, [n] or scan the next label: "
    if result.status == "already_received":
        return "[a] another bag with this same label, [u] undo that receipt, [n] or scan the next label: "
    return None


def _quantity(text: str) -> Quantity | None:
    from barcode_plugins.quantities import QuantityError, checked

    try:
        return checked(text)
    except QuantityError:
        return None


def _show(result: ReceiveResult, as_json: bool) -> None:
    if as_json:
        print_json(result)
        return
    colour = COLOURS.get(result.status, "red")
    click.echo(click.style(visible(f"{result.status.replace('_', ' ')}: {result.message}"), fg=colour))
