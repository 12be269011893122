"""**exclusivity**, both ways: with every installed plugin loaded, no other plugin claims the plugin's examples,
and the plugin claims none of theirs."""

from __future__ import annotations

from contextlib import suppress

from hypothesis import given

from barcode_plugins.errors import AmbiguousBarcode, BarcodeError
from barcode_plugins.formats.normalize import normalize
from barcode_plugins.hooks.examples import Example
from barcode_plugins.models import Decoded
from barcode_plugins.testing.calls import DEFAULT_BUDGET, Budget, describe_error, summarise, watched_call
from barcode_plugins.testing.failures import NotApplicable, fail
from barcode_plugins.testing.strategies import examples_of
from barcode_plugins.testing.target import PluginRaised, PluginUnderTest, engine_decode

_EVIDENCE = (
    "recognise your labels by evidence only they carry (a part-number shape, an identifier only you print) and "
    "declare it in label_formats; a standard identifier alone (K, 1K, 10K, P) is every vendor's and claims nothing"
)


def check_exclusivity(target: PluginUnderTest, budget: Budget = DEFAULT_BUDGET) -> None:
    """**exclusivity**: decoded by an engine holding every installed plugin, each of the plugin's examples is the
    plugin's alone (no other plugin also claims it, which users would get as ``AmbiguousBarcode``), and no other
    plugin's example is claimed by it. A fallback (``trylast``) may read other plugins' labels — it is asked only
    when no specific decoder answered — but no specific plugin may claim a fallback's examples."""
    __tracebackhide__ = True
    target.require("decode")
    strategies = target.other_examples()
    if not strategies:
        raise NotApplicable("no other installed plugin gives examples")
    with suppress(NotApplicable):  # a decoder without examples: only the others' labels are checked
        strategies.insert(0, (target.name, target.examples()))

    @budget.settings(120)
    @given(examples_of(strategies))
    def exclusivity(pair: tuple[str, Example]) -> None:
        __tracebackhide__ = True
        owner, example = pair
        if owner == target.name:
            _own_example(target, example)
        else:
            _others_example(target, owner, example, budget)

    exclusivity()


def _claimants(error: AmbiguousBarcode, target: PluginUnderTest) -> list[str]:
    names = {impl.plugin_name for impl in target.manager.implementations("decode")}
    return [candidate for candidate in error.candidates if candidate in names]


def _own_example(target: PluginUnderTest, example: Example) -> None:
    __tracebackhide__ = True
    try:
        result = engine_decode(target, example.text, everything=True)
    except AmbiguousBarcode as error:
        others = [name for name in _claimants(error, target) if name != target.name]
        if not others:
            return  # ambiguous between readings, not plugins: the correctness property reports it
        fail(
            "exclusivity",
            target.name,
            f"plugin {others[0]!r} also claims your example; users will get AmbiguousBarcode",
            example.text,
            _EVIDENCE + f"; if {others[0]!r} claims it by a standard identifier alone, its own suite fails too",
        )
    except (PluginRaised, BarcodeError):
        return  # the correctness property reports what the plugin does with its own example
    if result is None or result.plugin == target.name:
        return
    if target.is_fallback:
        fail(
            "exclusivity",
            result.plugin or "?",
            f"claims an example of fallback plugin {target.name!r} (decoded it as {summarise(result)})",
            example.text,
            f"plugin {result.plugin!r}: " + _EVIDENCE,
        )
    formats = target.ecosystem_engine().formats
    if target.name in formats.declaring and target.name not in formats.fitting(normalize(example.text, formats).text):
        fail(
            "exclusivity",
            target.name,
            f"none of its declared label_formats fits its own example, so its decode is never asked; the engine "
            f"decoded it as plugin {result.plugin!r}",
            example.text,
            "make the evidence (ECIA), start (text) or identifiers (identifier list) of label_formats fit every "
            "label barcode_examples draws",
        )


def _others_example(target: PluginUnderTest, owner: str, example: Example, budget: Budget) -> None:
    __tracebackhide__ = True
    # Asked directly, the decoder must never raise on another plugin's label (the engine may route it there).
    call = watched_call(target, "decode", budget, text=normalize(example.text).text)
    if call.error is not None:
        fail(
            "exclusivity",
            target.name,
            f"raised {describe_error(call.error)} on a label of plugin {owner!r} instead of answering None",
            example.text,
            "return None for every label that is not yours",
        )
    if target.is_fallback:
        return
    try:
        result = engine_decode(target, example.text, everything=True)
    except AmbiguousBarcode as error:
        if target.name in _claimants(error, target):
            fail(
                "exclusivity",
                target.name,
                f"claims a label of plugin {owner!r}; users will get AmbiguousBarcode",
                example.text,
                _EVIDENCE,
            )
        return
    except (PluginRaised, BarcodeError):
        return  # that plugin's own suite reports it
    if isinstance(result, Decoded) and result.plugin == target.name:
        fail(
            "exclusivity",
            target.name,
            f"claims a label of plugin {owner!r} (decoded it as {summarise(result)})",
            example.text,
            _EVIDENCE,
        )
