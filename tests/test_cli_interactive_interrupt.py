"""Ctrl-C while a booked receipt is being shown: the session's summary still counts it."""

from __future__ import annotations

import os
import signal
from collections import Counter
from typing import Any

import pytest
from sample_labels import DIGIKEY

from barcode_plugins import Engine, PurchaseOrder, PurchaseOrderLine
from barcode_plugins.cli import interactive


def test_ctrl_c_while_a_receipt_is_shown_still_counts_it(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    show = interactive._show

    def interrupted_show(result: Any, as_json: bool) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C lands after the commit, while the outcome is printed
        show(result, as_json)
        shown.append(result.status)

    monkeypatch.setattr(interactive, "_show", interrupted_show)
    counts: Counter[str] = Counter()
    with Engine(":memory:") as engine:
        barcode = engine.decode(DIGIKEY)
        sku, mpn = barcode.supplier_part_number, barcode.manufacturer_part_number
        line = PurchaseOrderLine("PO-1", 1, sku, mpn, None, 25)
        engine.import_purchase_orders([PurchaseOrder("PO-1", "Digi-Key", "81234567", "placed", (line,))])
        with pytest.raises(KeyboardInterrupt):
            interactive._receive_with_answers(engine, DIGIKEY, {}, False, counts)
        assert engine.purchase_order("PO-1").lines[0].received == 25
    assert shown == ["received"]
    assert counts == Counter({"received": 1})
