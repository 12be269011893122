"""**call order**: a result does not depend on what was decoded before: the plugin's examples replayed in shuffled
orders and after other inputs decode as they did the first time."""

from __future__ import annotations

from random import Random
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from barcode_plugins.hooks.examples import Example
from barcode_plugins.models import Decoded
from barcode_plugins.testing.calls import DEFAULT_BUDGET, Budget, Call, describe_error, watched_call
from barcode_plugins.testing.contract import differences
from barcode_plugins.testing.failures import fail, show
from barcode_plugins.testing.strategies import format_shaped_noise
from barcode_plugins.testing.target import PluginUnderTest

_FIX = (
    "decode must depend only on its text: keep nothing between calls (no module-level 'last label', counters or "
    "caches that change an answer)"
)


def outcome_difference(first: Call, again: Call) -> list[str]:
    """How two calls' outcomes differ, as ``key: expected X, got Y`` lines (a field diff for two results)."""
    if isinstance(first.result, Decoded) and isinstance(again.result, Decoded) and not (first.error or again.error):
        return differences(first.result, again.result)
    before, after = _shown(first), _shown(again)
    return [] if before == after else [f"expected {before}, got {after}"]


def _shown(call: Call) -> str:
    if call.error is not None:
        return f"raised {describe_error(call.error)}"
    return "None" if call.result is None else repr(call.result)[:200]


def check_call_order(target: PluginUnderTest, budget: Budget = DEFAULT_BUDGET) -> None:
    """**call order**: each example is decoded once, then the examples are replayed in a shuffled order with
    other plugins' labels and noise in between; every replay must give what the first call gave."""
    __tracebackhide__ = True
    target.require("decode")
    formats = target.ecosystem_engine().formats
    own = target.examples()
    others: list[Any] = [strategy for _, strategy in target.other_examples()]
    between = st.one_of([*(strategy.map(lambda example: example.text) for strategy in others), format_shaped_noise()])

    def text_of(example: Example) -> str:
        from barcode_plugins.formats.normalize import normalize  # the text decode receives from the engine

        return normalize(example.text, formats).text

    @budget.settings(25)
    @given(
        st.lists(own, min_size=2, max_size=5, unique_by=lambda example: example.text),
        st.lists(between, min_size=1, max_size=6),
        st.randoms(),
    )
    def call_order(examples: list[Example], inputs: list[str], random: Random) -> None:
        __tracebackhide__ = True
        texts = list(dict.fromkeys(text_of(example) for example in examples))
        # The reference answer is the one given right after the same text: what earlier test cases left behind
        # cannot change it, so a failure replays the same way (hypothesis re-runs a failing case to report it).
        first = {}
        for text in texts:
            watched_call(target, "decode", budget, text=text)
            first[text] = watched_call(target, "decode", budget, text=text)
        replay = list(texts)
        random.shuffle(replay)
        history: list[str] = []
        for text in replay:
            noise = random.choice(inputs)
            watched_call(target, "decode", budget, text=noise)
            history += [noise, text]
            again = watched_call(target, "decode", budget, text=text)
            changed = outcome_difference(first[text], again)
            if changed:
                fail(
                    "call order",
                    target.name,
                    f"decoded the same example differently after {len(history) - 1 + len(texts)} other calls "
                    f"(last before it: {show(noise)}):\n    " + "\n    ".join(changed),
                    text,
                    _FIX,
                )

    call_order()
