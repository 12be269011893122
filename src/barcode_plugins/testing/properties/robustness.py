"""Whatever it is given, ``decode`` answers: quickly and without raising (**totality**), the same way every time
and without I/O (**determinism and purity**), and the same for every wedge-damaged form of a label
(**wedge robustness**)."""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn

import attrs
from hypothesis import example as explicit_example
from hypothesis import given
from hypothesis import strategies as st

from barcode_plugins.errors import AmbiguousBarcode, BarcodeError
from barcode_plugins.formats.normalize import normalize
from barcode_plugins.hooks.examples import Example
from barcode_plugins.models import Decoded
from barcode_plugins.testing.calls import DEFAULT_BUDGET, Budget, Call, describe_error, watched_call
from barcode_plugins.testing.contract import DECODER_KEYS, contract_problems, differences, separator_residue
from barcode_plugins.testing.failures import NotApplicable, fail, show
from barcode_plugins.testing.properties.call_order import outcome_difference
from barcode_plugins.testing.properties.examples import decode_example
from barcode_plugins.testing.strategies import adversarial_scans, arbitrary_scans, examples_of, format_shaped_noise
from barcode_plugins.testing.target import PluginRaised, PluginUnderTest, engine_decode

if TYPE_CHECKING:
    from barcode_plugins.formats.label_formats import FormatRegistry


def adversarial_examples(test: Callable[[str], None]) -> Callable[[str], None]:
    """Decorate a one-argument hypothesis test with ``@example`` for every :func:`adversarial_scans` input, so
    that they are tried on every run, not only when hypothesis happens to draw them."""
    for scan in reversed(adversarial_scans()):
        test = explicit_example(scan)(test)
    return test


def _labels(target: PluginUnderTest) -> st.SearchStrategy[str] | None:
    sources = target.all_examples()
    return examples_of(sources).map(lambda pair: pair[1].text) if sources else None


def check_totality(target: PluginUnderTest, budget: Budget = DEFAULT_BUDGET) -> None:
    """**totality**: ``decode`` on any text (unicode, control characters, ~100 KB, other plugins' labels, damaged
    labels) returns None or a valid Decoded, within ``budget.call_seconds``, and never raises (a deliberate
    :class:`BarcodeError` for the user is allowed)."""
    __tracebackhide__ = True
    target.require("decode")

    # A slow call is recorded, not raised: shrinking an input that takes seconds per try would take minutes,
    # and the size of the input is the point. Once one is found the rest of the run skips its calls.
    slow: list[tuple[float, bool, str]] = []

    @budget.settings(150)
    @given(arbitrary_scans(_labels(target)))
    @adversarial_examples
    def totality(raw: str) -> None:
        __tracebackhide__ = True
        if slow:
            return
        readings = [raw]
        canonical = normalize(raw).text
        if canonical != raw:
            readings.append(canonical)
        for text in readings:
            call = watched_call(target, "decode", budget, text=text)
            if call.timed_out or call.seconds > budget.call_seconds:
                slow.append((call.seconds, call.timed_out, text))
                return
            if call.error is not None and not isinstance(call.error, BarcodeError):
                fail(
                    "totality",
                    target.name,
                    f"decode raised {describe_error(call.error)}",
                    text,
                    "return None for text that is not your format; never raise on arbitrary input",
                )
            if call.result is not None:
                problems = contract_problems(call.result)
                if problems:
                    fail(
                        "totality",
                        target.name,
                        "decode returned an invalid result: " + "; ".join(problems),
                        text,
                        "return None or a barcode_plugins.Decoded that follows the contract",
                    )

    totality()
    if slow:
        seconds, timed_out, text = slow[0]
        took = f"more than {budget.hard_seconds:g} s (interrupted)" if timed_out else f"{seconds:.2f} s"
        fail(
            "totality",
            target.name,
            f"decode took {took} on one input (the bound is {budget.call_seconds:g} s per call)",
            text,
            "avoid work that grows faster than the input (nested loops, backtracking regular expressions, "
            "repeated lookups in growing lists); reject text that cannot be yours early",
        )


def _outcome(call: Call) -> tuple[str, Any]:
    if call.error is not None:
        return "raised", describe_error(call.error)
    if isinstance(call.result, Decoded):
        return "returned", (
            call.result,
            list(call.result.fields.items()) if isinstance(call.result.fields, Mapping) else None,
        )
    return "returned", call.result


def check_determinism(target: PluginUnderTest, budget: Budget = DEFAULT_BUDGET) -> None:
    """**determinism and purity**: the same input gives an equal result, also after other inputs were decoded
    in between (no state), and ``decode`` does no I/O (files, directories, network, subprocesses, SQLite)."""
    __tracebackhide__ = True
    target.require("decode")
    try:
        own = target.examples().map(lambda example: example.text)
        inputs = own | own.map(lambda text: normalize(text).text) | st.text() | format_shaped_noise()
    except NotApplicable:
        inputs = st.text() | format_shaped_noise()

    @budget.settings(50)
    @given(inputs, inputs)
    def determinism(first: str, second: str) -> None:
        __tracebackhide__ = True
        calls = []
        for text in (first, second, first):
            call = watched_call(target, "decode", budget, no_io=True, text=text)
            if call.io:
                fail(
                    "purity",
                    target.name,
                    f"decode did I/O: {call.io[0]}",
                    text,
                    "decode must not touch files, the network or a database; read what you need at import "
                    "time (a constant), or ask the core for a helper",
                )
            calls.append(call)
        if _outcome(calls[0]) != _outcome(calls[2]):
            changed = outcome_difference(calls[0], calls[2]) or ["the results differ in a way no key shows"]
            fail(
                "determinism",
                target.name,
                f"decode gave a different answer for the same input after decoding {show(second)}:\n    "
                + "\n    ".join(changed),
                first,
                "decode must depend only on its text: no counters, clocks, random numbers or caches that change "
                "the answer",
            )

    determinism()


@attrs.frozen
class WedgeForms:
    """Where the damaged forms of a label come from.

    :ivar forms_of: ``clean label -> {form name: damaged text}``.
    :ivar is_lossy: whether a form (by name) may lose information; only such a form may be refused as
        ambiguous, every other one must decode exactly like the clean label.
    """

    forms_of: Callable[[str], Mapping[str, str]]
    is_lossy: Callable[[str], bool] = attrs.field(default=lambda name: False)


def default_wedge_forms(formats: FormatRegistry | None = None) -> WedgeForms:
    """The forms of :mod:`barcode_plugins.testing.wedge`, lossy ones included; ``formats`` (the installed
    plugins' declarations) make keyboard-layout forms of a plugin's own text format recognisable.

    :raises NotApplicable: the module does not exist (an import error inside it is not hidden).
    """
    if importlib.util.find_spec("barcode_plugins.testing.wedge") is None:
        raise NotApplicable("barcode_plugins.testing.wedge is not available")
    wedge = importlib.import_module("barcode_plugins.testing.wedge")
    return WedgeForms(lambda clean: wedge.damaged_forms(clean, lossy=True, formats=formats), wedge.is_lossy)


#: Every form family a label may get, for the note of the forms a plugin's labels never got.
FORM_FAMILIES: tuple[str, ...] = (
    "control-pictures",
    "caret-notation",
    "placeholder",
    "learned",
    "trailer",
    "header-without-rs",
    "old-broken-header",
    "aim-prefix",
    "trailing",
    "surrounding-spaces",
    "layout-qwertz",
    "layout-azerty",
    "dropped-separators",
)


def _text_values(result: Decoded) -> dict[str, object]:
    """Every value a decoder decides, fields included (``fields[1P]``), by name: where residue would show."""
    values: dict[str, object] = {key: getattr(result, key) for key in DECODER_KEYS if key != "fields"}
    values.update({f"fields[{key}]": value for key, value in result.fields.items()})
    return values


class ConformanceNote(UserWarning):
    """Something the suite could not check for a plugin (shown in pytest's warnings summary)."""


def check_wedge_robustness(
    target: PluginUnderTest, budget: Budget = DEFAULT_BUDGET, wedge_forms: WedgeForms | None = None
) -> None:
    """**wedge robustness**: every wedge-damaged form of every example (control pictures, caret notation,
    placeholders, learned separators, envelope variants, AIM prefix, whitespace, keyboard layouts; see
    ``docs/formats.md``) decodes through the engine to the same result and the same ``barcode_hash`` as the clean label.
    A lossy form (separators dropped) may instead be refused as ambiguous; nothing is ever silently read as
    something else."""
    __tracebackhide__ = True
    target.require("decode")
    source = wedge_forms or default_wedge_forms(target.ecosystem_engine().formats)
    tried: set[str] = set()
    fix = (
        "if decode answers the clean label correctly, the engine's normalisation does not repair this form: "
        "report it against barcode_plugins.formats.normalize; otherwise make decode read the canonical text only "
        "(do not depend on case, spacing or separators the normaliser rewrites)"
    )

    def problem(form_name: str, what: str, form: str) -> NoReturn:
        __tracebackhide__ = True
        fail("wedge robustness", target.name, f"form {form_name!r} {what}", form, fix)

    @budget.settings(25)
    @given(target.examples())
    def wedge(example: Example) -> None:
        __tracebackhide__ = True
        clean = decode_example(target, "wedge robustness", example.text)
        for form_name, form in source.forms_of(example.text).items():
            tried.update(form_name.split("+"))
            try:
                result = engine_decode(target, form)
            except AmbiguousBarcode as error:
                if source.is_lossy(form_name):
                    continue  # reported as ambiguous, never guessed: what the project promises
                problem(form_name, f"was refused as ambiguous, but it carries the whole label: {error}", form)
            except PluginRaised as error:
                problem(form_name, f"made decode raise: {error}", form)
            except BarcodeError as error:
                problem(form_name, f"was refused: {describe_error(error)}", form)
            if result is None:
                problem(form_name, "was not recognised (the clean label is)", form)
            residue = separator_residue(_text_values(clean), _text_values(result))
            if residue:
                problem(form_name, "kept separator residue in a value: " + "; ".join(residue), form)
            wrong = differences(clean, result)
            if wrong:
                problem(form_name, "decoded differently from the clean label:\n    " + "\n    ".join(wrong), form)
            if result.barcode_hash != clean.barcode_hash:
                problem(
                    form_name, f"gave barcode_hash {result.barcode_hash}, the clean label {clean.barcode_hash}", form
                )

    wedge()
    skipped = [family for family in FORM_FAMILIES if not any(name.startswith(family) for name in tried)]
    if skipped and wedge_forms is None:
        warnings.warn(
            ConformanceNote(
                f"[wedge robustness] plugin {target.name!r}: forms its labels never got (they do not apply to its "
                f"format, or its labels' text makes them ambiguous): {', '.join(skipped)}"
            ),
            stacklevel=1,
        )
