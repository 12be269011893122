"""**exclusivity**: a plugin claims none of the other installed plugins' examples."""

from __future__ import annotations

from hypothesis import given

from barcode_plugins.models import Decoded
from barcode_plugins.normalize import normalize

from .. import Example
from ..calls import DEFAULT_BUDGET, Budget, describe_error, summarise, watched_call
from ..failures import NotApplicable, fail
from ..strategies import examples_of
from ..target import PluginUnderTest


def check_exclusivity(target: PluginUnderTest, budget: Budget = DEFAULT_BUDGET) -> None:
    """**exclusivity**: the plugin claims none of the other installed plugins' examples (it recognises its own
    labels by what they carry). Fallback decoders (``trylast``) may claim them — they are asked only when no
    specific decoder answered — but must not raise on them."""
    __tracebackhide__ = True
    target.require("decode")
    others = target.other_examples()
    if not others:
        raise NotApplicable("no other installed plugin gives examples")
    fix = (
        "recognise your labels by what they carry (a part-number suffix, an identifier only you print), not "
        "by the shared envelope; return None for everything else"
    )
    # A fallback (trylast) is asked only when no specific decoder answered, so claiming another plugin's label
    # is its job (the generic ECIA decoder reads every vendor's envelope); it must still never raise on one.
    may_claim = target.is_fallback

    @budget.settings(100)
    @given(examples_of(others))
    def exclusivity(pair: tuple[str, Example]) -> None:
        owner, example = pair
        text = normalize(example.text).text
        call = watched_call(target, "decode", budget, text=text)
        if call.error is not None:
            fail(
                "exclusivity",
                target.name,
                f"raised {describe_error(call.error)} on a label of plugin {owner!r} instead of answering None",
                example.text,
                fix,
            )
        if call.result is not None and not may_claim:
            summary = summarise(call.result) if isinstance(call.result, Decoded) else repr(call.result)
            fail(
                "exclusivity",
                target.name,
                f"claims a label of plugin {owner!r} (decoded it as {summary})",
                example.text,
                fix,
            )

    exclusivity()
