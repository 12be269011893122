"""The web layer's access to the shared engine: option pass-through and explanations."""

from __future__ import annotations

import threading

import attrs

from barcode_plugins.web.station import Station, explanation_of


def test_options_carry_what_the_client_asked() -> None:
    assert Station.options(explain=True, another=True) == {"explain": True, "another": True}
    assert Station.options() == {}  # a failed scan carries its explanation anyway: not computed for every scan
    assert Station.options(explain=False) == {}


@attrs.frozen
class Why:
    step: str
    tried: tuple[str, ...]


@attrs.frozen
class Result:
    explanation: object = None


def test_explanations_become_json_data() -> None:
    assert explanation_of(object()) is None
    assert explanation_of(Result("why"), explain=None, failed=False) is None  # absent: on failures only
    assert explanation_of(Result("why"), explain=None, failed=True) == "why"
    assert explanation_of(Result("why"), explain=False, failed=True) is None
    assert explanation_of(Result("plain text")) == "plain text"
    assert explanation_of(Result(Why("match", ("digikey",)))) == {"step": "match", "tried": ["digikey"]}


def test_threads_share_one_station_and_every_receipt_is_booked(make_engine) -> None:  # type: ignore[no-untyped-def]
    from barcode_plugins.files.po_files import parse_csv

    engine = make_engine()
    station = Station(engine)
    rows = ["reference,supplier,supplier_reference,status,line,sku,mpn,manufacturer,quantity,destination"]
    rows += [f"PO-{n},acme,,placed,1,,MPN-{n},,1000,shelf" for n in range(4)]
    engine.import_purchase_orders(parse_csv("\n".join(rows) + "\n"))
    results: list[str] = []

    def work(order: int) -> None:
        for bag in range(25):
            label = f"[)>\x1e06\x1dKPO-{order}\x1d1PMPN-{order}\x1dQ1\x1d1TLOT{bag}\x1e\x04"
            results.append(station.call(engine.receive, label).status)

    threads = [threading.Thread(target=work, args=(order,)) for order in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("received") == 100
    assert [engine.purchase_order(f"PO-{n}").lines[0].received for n in range(4)] == [25] * 4


def test_history_filters_given_are_passed() -> None:
    assert Station.filters(status="received", since=None) == {"status": "received"}  # not given: not passed
