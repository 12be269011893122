"""The plugin's own examples: they are valid (**examples**), decode to what they state (**correctness**) and
survive the JSON round trip (**serialisation**)."""

from __future__ import annotations

import json

from hypothesis import given

from barcode_plugins.errors import BarcodeError
from barcode_plugins.hooks.examples import Example
from barcode_plugins.models import Decoded, structure, to_json
from barcode_plugins.testing.calls import DEFAULT_BUDGET, Budget, describe_error
from barcode_plugins.testing.contract import CONTRACT_KEYS, contract_problems, differences
from barcode_plugins.testing.failures import NotApplicable, fail
from barcode_plugins.testing.target import PluginRaised, PluginUnderTest, engine_decode


def validate_example(name: str, example: object) -> Example:
    """Check one value drawn from a ``barcode_examples`` strategy (``examples`` property)."""
    __tracebackhide__ = True
    fix = "barcode_examples must draw barcode_plugins.testing.Example(text, expected Decoded) values"
    if not isinstance(example, Example):
        fail("examples", name, f"barcode_examples drew a {type(example).__name__}, not an Example", example, fix)
    if not isinstance(example.text, str) or not example.text.strip():
        fail("examples", name, "an example's text is empty or not text", example.text, fix)
    problems = contract_problems(example.expected)
    if problems:
        fail(
            "examples",
            name,
            "an example's expected result is not a valid Decoded: " + "; ".join(problems),
            example.text,
            "state what the label must decode to, following the contract (None for absent values)",
        )
    return example


def check_examples(target: PluginUnderTest, budget: Budget = DEFAULT_BUDGET) -> None:
    """**examples**: a plugin that decodes gives a ``barcode_examples`` strategy, and it draws valid examples."""
    __tracebackhide__ = True
    if not target.implements("decode") and not target.implements("barcode_examples"):
        raise NotApplicable(f"plugin {target.name!r} implements neither decode nor barcode_examples")
    fix = "add a barcode_examples hook returning a hypothesis strategy of Example values (docs/writing-plugins.md)"
    if target.implements("decode") and not target.implements("barcode_examples"):
        fail("examples", target.name, "implements decode but gives no examples, so nothing can check it", fix=fix)
    try:
        strategy = target.examples()
    except NotApplicable:
        if target.implements("decode"):
            fail("examples", target.name, "implements decode but barcode_examples returned None", fix=fix)
        raise

    @budget.settings(30)
    @given(strategy)
    def examples(example: Example) -> None:
        __tracebackhide__ = True
        validate_example(target.name, example)

    examples()


def decode_example(target: PluginUnderTest, property_name: str, text: str) -> Decoded:
    """The engine's result for one of the plugin's own examples; fails when it raises or does not claim it."""
    __tracebackhide__ = True
    try:
        result = engine_decode(target, text)
    except PluginRaised as error:
        fail(
            property_name,
            target.name,
            f"decode raised on one of its own examples: {error}",
            text,
            "decode must answer its own labels",
        )
    except BarcodeError as error:
        fail(
            property_name,
            target.name,
            f"the engine refused one of its own examples: {describe_error(error)}",
            text,
            "an example's text must be a scan the engine accepts (not empty, under 8192 characters, no NUL)",
        )
    if result is None:
        fail(
            property_name,
            target.name,
            "did not claim one of its own examples (decode returned None)",
            text,
            "make decode recognise every label barcode_examples draws, or fix the strategy",
        )
    return result


def check_correctness(target: PluginUnderTest, budget: Budget = DEFAULT_BUDGET) -> None:
    """**correctness**: every example decodes, through the engine (normalise, then the hook), to exactly the
    result it comes with: every contract key, ``item`` and ``fields`` in label order (``plugin``, ``raw`` and
    ``barcode_hash`` are the engine's to fill and are not compared)."""
    __tracebackhide__ = True
    target.require("decode")

    @budget.settings(60)
    @given(target.examples())
    def correctness(example: Example) -> None:
        __tracebackhide__ = True
        validate_example(target.name, example)
        result = decode_example(target, "correctness", example.text)
        wrong = differences(example.expected, result)
        if wrong:
            fail(
                "correctness",
                target.name,
                "decoded one of its own examples differently:\n    " + "\n    ".join(wrong),
                example.text,
                "fix decode, or the expected result barcode_examples states for this label",
            )

    correctness()


def check_serialisation(target: PluginUnderTest, budget: Budget = DEFAULT_BUDGET) -> None:
    """**serialisation**: every result survives the JSON round trip through the one cattrs converter
    (``models.to_json`` then ``models.structure``) unchanged, and its JSON has every contract key."""
    __tracebackhide__ = True
    target.require("decode")
    fix = (
        "use the declared types: text (str) for text keys, int or float for quantity, a dict of str to str for "
        "fields, ItemRef for item"
    )

    @budget.settings(60)
    @given(target.examples())
    def serialisation(example: Example) -> None:
        __tracebackhide__ = True
        result = decode_example(target, "serialisation", example.text)
        try:
            data = json.loads(to_json(result))
            json.dumps(data, allow_nan=False)
        except (TypeError, ValueError) as error:
            fail("serialisation", target.name, f"the result is not JSON: {describe_error(error)}", example.text, fix)
        missing = [key for key in CONTRACT_KEYS if key not in data]
        if missing:
            fail("serialisation", target.name, f"the JSON lacks contract keys {', '.join(missing)}", example.text, fix)
        try:
            back = structure(data, Decoded)
        except Exception as error:
            fail(
                "serialisation", target.name, f"the JSON does not read back: {describe_error(error)}", example.text, fix
            )
        wrong = differences(result, back, (*CONTRACT_KEYS, "item"))
        if wrong:
            fail(
                "serialisation",
                target.name,
                "the result changed in the JSON round trip:\n    " + "\n    ".join(wrong),
                example.text,
                fix,
            )

    serialisation()
