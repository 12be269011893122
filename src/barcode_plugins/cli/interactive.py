"""The interactive receiving session for a keyboard-wedge scanner at a terminal.

A wedge scanner types the label as keystrokes, control characters included. In the terminal's normal mode some
of them are line-editing or signal keys (Ctrl-D = EOT ends the input, Ctrl-\\ = FS quits, Ctrl-V quotes the next
key, Ctrl-S freezes output), so the session turns those off for its duration — keeping Ctrl-C and backspace —
and restores the terminal however it ends.
"""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

import click

from ..models import ReceiveResult
from .context import AppContext, print_json
from .output import visible
from .receiving import COLOURS, summary


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
    changed[0] &= ~(termios.IXON | getattr(termios, "IXOFF", 0))
    termios.tcsetattr(fd, termios.TCSANOW, changed)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)


def _read_scan() -> str | None:
    click.echo("scan> ", nl=False)
    line = sys.stdin.buffer.readline()
    if not line:
        return None
    return line.rstrip(b"\r\n").decode("utf-8", errors="replace")


def run_session(app: AppContext, options: dict[str, Any], as_json: bool) -> None:
    """Read scans until an empty line, end of input or Ctrl-C; print each outcome; then the summary."""
    engine = app.engine
    engine.store.set_durable(True)  # a person just saw "received": it must survive a power cut
    counts: Counter[str] = Counter()
    click.echo("Scan labels; an empty line or Ctrl-C ends the session.", err=True)
    try:
        with raw_control_characters(sys.stdin.fileno()):
            while True:
                scan = _read_scan()
                if not scan or not scan.strip():
                    break
                result = engine.receive(scan, **options)
                if result.status == "needs_quantity":
                    result = _ask_quantity(engine, scan, options, result)
                counts[result.status] += 1
                _show(result, as_json)
    except (KeyboardInterrupt, EOFError):
        click.echo("", err=True)
    click.echo(summary(counts), err=as_json)


def _ask_quantity(engine: Any, scan: str, options: dict[str, Any], result: ReceiveResult) -> ReceiveResult:
    barcode = result.barcode
    part = (barcode.supplier_part_number or barcode.manufacturer_part_number) if barcode else None
    amount = click.prompt(f"quantity for {part or 'this label'}", type=click.FloatRange(min=0, min_open=True), err=True)
    return engine.receive(scan, **{**options, "quantity": int(amount) if amount.is_integer() else amount})


def _show(result: ReceiveResult, as_json: bool) -> None:
    if as_json:
        print_json(result)
        return
    colour = COLOURS.get(result.status, "red")
    click.echo(click.style(visible(f"{result.status.replace('_', ' ')}: {result.message}"), fg=colour))
