"""The hook specifications: the whole reference for plugin authors.

A plugin is a module (or object) with functions decorated by ``barcode_plugins.hookimpl`` whose names are the
names below. Register it under the ``barcode_plugins`` entry-point group::

    [project.entry-points.barcode_plugins]
    acme = "barcode_plugins_acme"

Every hook is called with keyword arguments, so an implementation may accept only the arguments it needs.

The engine calls hooks through pluggy (so hook wrappers and pluggy's tracing work) and isolates each
implementation: one that raises is recorded as a failure of that plugin (shown by ``barcode-plugins plugins``
and as a warning on stderr) and the engine carries on as if it had returned ``None``. Raise a
:class:`barcode_plugins.BarcodeError` subclass when the refusal is meant for the user (it then propagates with
its message); anything else is treated as a bug.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from barcode_plugins.formats.label_formats import LabelFormat
    from barcode_plugins.hooks.types import Event, Transaction
    from barcode_plugins.models import Decoded, ItemRef, PurchaseOrder, PurchaseOrderLine, Quantity

hookspec = pluggy.HookspecMarker("barcode_plugins")
#: Marks a plugin's hook implementations (``from barcode_plugins import hookimpl``). It lives beside ``hookspec``
#: so that importing a plugin does not import the plugin manager.
hookimpl = pluggy.HookimplMarker("barcode_plugins")


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

    :return: a ``hypothesis`` ``SearchStrategy`` of :class:`barcode_plugins.Example` values: the text
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


# -- embedding: events, the host's own items -----------------------------------------------------------------
# In-transaction event hooks: each is called inside the write's transaction, after the engine's own rows and the
# history entry are written and before the commit. All or nothing: an implementation that raises (anything, a
# BarcodeError included) rolls the whole write back and the caller gets its message (ListenerRefused); these hooks
# are NOT isolated like the others. Write your own tables through ``tx``; do not call the engine (refused with
# ReentrantCall) and keep it short: the store's write lock is held while you run.


@hookspec
def receipt_booked(event: Event, tx: Transaction) -> None:
    """A scanned label was received: called inside the receipt's transaction.

    :param event: ``kind="receipt_booked"``; ``item`` is where the stock went (``stockitem:N`` or the host's
        reference from :func:`create_receipt_item`), with ``barcode_hash``, ``raw``, ``plugin``,
        ``purchase_order``, ``line``, ``quantity``, ``location`` and ``history_id`` (the receipt's history entry).
    :param tx: the open :class:`barcode_plugins.Transaction`: ``tx.execute(...)`` writes in the same SQLite file,
        in the same transaction.
    :return: nothing. Raise to refuse the receipt: nothing is booked (no receipt, no line total, no stock, no
        link) and the receive outcome is ``error`` with your message.

    .. versionadded:: 0.2
    """


@hookspec
def receipt_undone(event: Event, tx: Transaction) -> None:
    """A receipt was undone: called inside the undo's transaction, after the line total is taken back.

    :param event: ``kind="receipt_undone"``; ``item``, ``barcode_hash``, ``purchase_order``, ``line`` and
        ``quantity`` (positive: what is taken back) of the receipt, ``history_id`` of the undo entry.
    :param tx: the open :class:`barcode_plugins.Transaction`. A host whose own item received the stock takes
        the quantity back here.
    :return: nothing. Raise to refuse the undo: the receipt stays booked, the caller gets your message.

    .. versionadded:: 0.2
    """


@hookspec
def link_added(event: Event, tx: Transaction) -> None:
    """A barcode was linked to an item (``link``, not the link a receipt makes, which ``receipt_booked`` covers,
    nor a bulk ``import_links``, which is one history entry and no events).

    :param event: ``kind="link_added"``; ``item``, ``link_key``, ``barcode_hash``, ``raw``, ``plugin``,
        ``history_id``.
    :param tx: the open :class:`barcode_plugins.Transaction`.
    :return: nothing. Raise to refuse the link (nothing is written).

    .. versionadded:: 0.2
    """


@hookspec
def link_removed(event: Event, tx: Transaction) -> None:
    """A link was removed (``unlink``): called once per removed link, inside the unlink's transaction.

    :param event: ``kind="link_removed"``; ``item``, ``link_key``, ``raw`` (as linked), ``plugin``,
        ``history_id``.
    :param tx: the open :class:`barcode_plugins.Transaction`.
    :return: nothing. Raise to refuse the unlink (every link stays).

    .. versionadded:: 0.2
    """


@hookspec
def barcode_scanned(event: Event, tx: Transaction) -> None:
    """Every ``scan`` (not ``decode``, not ``receive``), inside the transaction that logs it.

    :param event: ``kind="barcode_scanned"``; ``raw``, ``barcode_hash``, ``plugin``, ``item`` (what it
        resolved to, or ``None``), ``history_id``.
    :param tx: the open :class:`barcode_plugins.Transaction`.
    :return: nothing. Raising makes the scan fail with your message (nothing is logged).

    .. versionadded:: 0.2
    """


@hookspec
def event_committed(event: Event) -> None:
    """Any of the events above, after its transaction committed: notify another system here.

    Called once per event, in the order the events happened, for every event of the transaction, after the
    COMMIT (so never for a write that was rolled back). Events of one process arrive in ``history_id`` order;
    across processes, ``history_id`` is the commit order. Called in the process that made the write, before the
    engine method returns.

    :param event: an :class:`barcode_plugins.Event`; ``event.kind`` says which hook announced it.
    :return: nothing. Raising does not undo anything: the failure is recorded for the plugin (``barcode-plugins
        plugins`` shows it, the CLI warns on stderr) and the other listeners and events still run. You may call
        the engine here (a new transaction).

    .. versionadded:: 0.2
    """


@hookspec(firstresult=True)
def create_receipt_item(
    barcode: Decoded, line: PurchaseOrderLine, quantity: Quantity, location: str | None, tx: Transaction
) -> ItemRef | None:
    """Create (or choose) the item a received label's stock goes into, inside the receipt's transaction.

    :param barcode: the decoded supplier label being received.
    :param line: the purchase-order line it is booked against (as it was before this receipt).
    :param quantity: how much is received.
    :param location: where it goes (``--location``, else the line's destination), or ``None``.
    :param tx: the open :class:`barcode_plugins.Transaction`: insert into (or update) your own stock table here.
    :return: the item's reference, e.g. ``ItemRef("erp_stock", "991")``: the receipt records it and the label
        is linked to it. Return ``None`` to let the next implementation decide; the built-in default
        (``trylast``) creates an internal stock item and returns ``stockitem:N``. Raising refuses the receipt
        (nothing is booked).

    ``firstresult``: one item per receipt. The receipt's undo announces ``receipt_undone`` with this item, where
    the host takes the stock back; only the core's own ``stockitem`` is deleted by the core.

    .. versionadded:: 0.2
    """


@hookspec(firstresult=True)
def item_exists(item: ItemRef, tx: Transaction) -> bool | None:
    """Say whether an item reference names something, before ``link``, ``unlink --item`` and ``label`` use it.

    :param item: the reference, e.g. ``stockitem:42`` or ``erp_stock:991``.
    :param tx: a :class:`barcode_plugins.Transaction` on the store's connection (inside the write's transaction
        for ``link`` and ``unlink``; a plain read handle for ``label``). Read only.
    :return: ``True`` it exists, ``False`` it does not (the command is refused with a clear message), ``None``
        not your type. The built-in default answers for ``stockitem``. A type no plugin answers for is accepted
        (item types are open-ended; the core cannot know a host's ``part:7``).

    .. versionadded:: 0.2
    """
