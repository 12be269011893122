"""The web layer's access to the shared engine: option pass-through and explanations."""

from __future__ import annotations

import threading

import attrs
import pytest

from barcode_plugins import Engine
from barcode_plugins.errors import InputError
from barcode_plugins.web.station import Station, explanation_of


def with_both(raw: str, *, explain: bool = False, another: bool = False) -> None:
    """An engine method that knows both options."""


def with_neither(raw: str) -> None:
    """An engine method of today's engine."""


def test_options_are_passed_only_where_the_engine_takes_them(engine: Engine) -> None:
    station = Station(engine)
    assert station.options(with_both, explain=True, another=True) == {"explain": True, "another": True}
    assert station.options(with_both) == {"explain": True}  # absent: explained in case the scan fails
    assert station.options(with_both, explain=False) == {}
    assert station.options(with_neither, explain=True) == {}  # no explanation to give: left out
    with pytest.raises(InputError, match="'another' is not supported"):
        station.options(with_neither, another=True)  # it would change the outcome: refused, not ignored


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


def test_calls_into_the_engine_do_not_overlap(engine: Engine) -> None:
    station = Station(engine)
    inside = 0
    overlaps = 0

    def work() -> None:
        nonlocal inside, overlaps
        inside += 1
        overlaps += inside > 1
        threading.Event().wait(0.001)
        inside -= 1

    threads = [threading.Thread(target=lambda: [station.call(work) for _ in range(20)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == 0


def history_with_a_status_filter(limit: int, action: str | None = None, *, status: str | None = None) -> None:
    """An engine's history that filters by status only."""


def test_history_filters_are_passed_and_those_the_engine_lacks_refused(engine: Engine) -> None:
    station = Station(engine)
    chosen = station.filters(history_with_a_status_filter, status="received", since=None)
    assert chosen == {"status": "received"}  # not given: not passed
    with pytest.raises(InputError, match="'since' is not supported"):
        station.filters(history_with_a_status_filter, since="2026-01-01")
