"""The hook specifications: the whole reference for plugin authors.

A plugin is a module (or object) with functions decorated by ``barcode_plugins.hookimpl`` whose names are the
names below. Register it under the ``barcode_plugins`` entry-point group::

    [project.entry-points.barcode_plugins]
    acme = "barcode_plugins_acme"

Every hook is called with keyword arguments, so an implementation may accept only the arguments it needs.

The engine calls each implementation on its own and isolates it: an implementation that raises is recorded as
a failure of that plugin (shown by ``barcode-plugins plugins`` and as a warning on stderr) and the engine
carries on as if it had returned ``None``. Raise a :class:`barcode_plugins.BarcodeError` subclass when the
refusal is meant for the user (it then propagates with its message); anything else is treated as a bug.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from .label_formats import LabelFormat
    from .models import Decoded, PurchaseOrder, PurchaseOrderLine

hookspec = pluggy.HookspecMarker("barcode_plugins")


@hookspec
def decode(text: str) -> Decoded | None:
    """Decode one scanned barcode, or answer ``None`` ("not mine").

    :param text: the scan after normalisation: wedge damage repaired (control pictures, caret notation and
        textual placeholders turned back into ``\\x1d``/``\\x1e``/``\\x04``, AIM prefix and trailing CR/LF/TAB
        removed, keyboard-layout swaps undone). ECIA envelopes arrive canonical: ``[)>\\x1e06\\x1d...\\x1e\\x04``.
    :return: a :class:`barcode_plugins.Decoded` whose ``kind`` is ``supplier``, ``internal`` or ``external``,
        with every element read kept in ``fields`` in label order. Leave ``raw`` and ``barcode_hash`` empty: the
        engine fills them (and overwrites ``plugin`` with the name you were registered under).
        Return ``None`` for anything that is not your format, including another supplier's label in a shared
        format (recognise your labels by what they carry, not by being asked first).

    Must be pure and total: no I/O, no state, and no exception on arbitrary text except a deliberate
    :class:`barcode_plugins.BarcodeError` for text that is unmistakably yours but invalid (the internal format
    raises ``InternalBarcodeError`` for ``{"stockitem": "abc"}``). The conformance suite checks.

    If the plugin declares label formats (:func:`label_formats`), ``decode`` is called only for scans one of
    them fits; it must still return ``None`` for a scan it does not read.

    Ordering: implementations marked ``@hookimpl(trylast=True)`` are *fallbacks* (the built-in generic ECIA
    decoder is one) and are asked only when no specific decoder answered. If two specific decoders claim the
    same scan, the engine refuses with :class:`barcode_plugins.AmbiguousBarcode` naming both, rather than
    guessing. The built-in internal format is ``tryfirst``.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def match_po_line(barcode: Decoded, orders: Sequence[PurchaseOrder]) -> Sequence[PurchaseOrderLine] | None:
    """Choose the purchase-order line a scanned supplier label is received against.

    :param barcode: the decoded label (``kind == "supplier"``).
    :param orders: the *placed* orders that could fit, each carrying only the candidate lines the store
        pre-selected (same supplier part number or MPN, or the order named by the label). Do not mutate.
    :return: the best lines, all equally good: one line is a match, several make the receipt ambiguous
        (the user picks with ``--po``), an empty sequence means "none of these fit". Every returned line must
        be one of the lines given. Return ``None`` to let the next implementation decide.

    ``firstresult``: the first non-``None`` answer wins. Supplier plugins that know their label (Mouser's
    ``14K`` line, TME's ``PO:order/line``) answer first; the built-in default matcher is ``trylast`` and
    matches supplier + order reference + part number, preferring lines with quantity outstanding.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def link_item(barcode: Decoded) -> str | None:
    """Give the key under which a barcode is linked to an item (and looked up when it is scanned again).

    :param barcode: the decoded barcode (any kind; unknown text arrives as ``kind == "external"``).
    :return: a stable text key: the same label, however it was scanned, must give the same key, and two
        different labels different keys. Return ``None`` to use the default, ``barcode.barcode_hash``.
        Override only where a label carries volatile parts that do not change its identity.
    :raises barcode_plugins.BarcodeError: to refuse linking this barcode at all (the message reaches the user).

    .. versionadded:: 0.1
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``barcode-plugins`` CLI (called once, when the CLI starts).

    :param cli: the top-level click group; use ``@cli.command()`` or ``cli.add_command(...)``. Commands reach the
        engine through ``click.get_current_context().obj`` (an :class:`barcode_plugins.cli.AppContext`).

    .. versionadded:: 0.1
    """


@hookspec
def barcode_examples() -> Any:
    """Give a hypothesis strategy of example labels for the conformance suite.

    :return: a ``hypothesis`` ``SearchStrategy`` of :class:`barcode_plugins.testing.Example` values: the text
        a scanner would read from a label of your format, and the :class:`barcode_plugins.Decoded` it must
        decode to (``raw`` and ``barcode_hash`` may be left empty). Cover the optional and unusual parts of your
        format. Return ``None`` if the plugin decodes nothing. Import hypothesis inside the hook, not at module
        level: normal use must not pay for it.

    .. versionadded:: 0.1
    """


@hookspec
def label_formats() -> Sequence[LabelFormat] | None:
    """Declare the shapes of label this plugin reads, so that the core can route scans to it and repair them.

    :return: :class:`barcode_plugins.LabelFormat` values, one per shape (a plugin may read several: a QR code and
        a DataMatrix), or ``None`` to declare nothing. Called once per plugin set, when the engine first decodes;
        the answer must not depend on anything but the plugin's code.

    One declaration serves four purposes, which is why it is one hook and not one per purpose: the facts
    overlap (the identifiers that tell your labels apart are among those you print; the start of your text
    format is both what routes a scan to you and what proves keyboard-layout damage), and a plugin author
    states them once, in one place, next to the decoder that relies on them.

    - **Routing.** A plugin that declares formats is asked to ``decode`` only scans that one of them fits: an
      ECIA envelope carrying the format's *evidence*, a text that starts with its *start* pattern, or a list of
      its identifiers. A plugin that cannot claim a scan is never called, so an installed plugin costs next to
      nothing on other suppliers' scans. A plugin that declares nothing is asked about every scan.
    - **Recognition by evidence.** ECIA evidence must be what only your labels carry: a value shape
      (``{"P": r".*-ND"}``), a supplier-specific identifier (``{"11Z": None}``) or a combination
      (``{"14K": r"[0-9]+", "1P": None}``). A standard identifier alone (``K``, ``1K``, ``10K``, ``P``) is
      printed by every vendor and claims nothing (evidence made only of standard identifiers without a value
      shape is refused as a declaration); if two plugins claim one scan, users get
      :class:`barcode_plugins.AmbiguousBarcode`, and the conformance suite fails for both.
    - **Dropped separators.** For an ECIA format, ``elements`` (each identifier printed with the shape of its
      value), ``order``, ``required`` and ``may_be_empty`` let a label whose group separators a scanner dropped be
      re-split: ``[)>06P497-1234-1-ND1PSTM32F103C8T6...`` reads one way when these are narrow.
    - **Keyboard layouts and separators.** A text format's ``start`` and an identifier list's identifiers are the
      evidence that a scan was typed through another keyboard layout (``{pc:`` typed on a German host arrives as
      ``*pcÖ``); a text format with ``separators=True`` has caret notation (``^]``), control pictures and
      placeholders repaired in scans it fits.

    Example (an ECIA supplier whose part numbers end in ``-AC``)::

        @hookimpl
        def label_formats():
            return [
                LabelFormat.ecia(
                    "acme",
                    evidence=[{"P": r".+-AC"}],
                    elements={"P": r".+-AC", "1P": None, "K": None, "Q": None},
                    order=("P", "1P", "K", "Q"),
                    required=("P", "1P", "Q"),
                    may_be_empty=("K",),
                )
            ]

    The families and every field are described in ``docs/formats.md``. A declaration that raises or does not
    validate is recorded as the plugin's failure; the plugin then counts as declaring nothing.

    .. versionadded:: 0.2
    """
