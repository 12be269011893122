"""**link_item**: link keys that follow the label's identity."""

from __future__ import annotations

import attrs
from hypothesis import given
from hypothesis import strategies as st

from barcode_plugins.errors import BarcodeError
from barcode_plugins.formats.normalize import barcode_hash, normalize
from barcode_plugins.hooks.examples import Example
from barcode_plugins.models import Decoded
from barcode_plugins.testing.calls import DEFAULT_BUDGET, Budget, describe_error, snapshot, watched_call
from barcode_plugins.testing.contract import IDENTITY_KEYS, differences, same_decoding
from barcode_plugins.testing.failures import NotApplicable, fail
from barcode_plugins.testing.strategies import examples_of
from barcode_plugins.testing.target import PluginRaised, PluginUnderTest, engine_decode


def _scanned(target: PluginUnderTest, owner: str, text: str, expected: Decoded) -> Decoded:
    """What the engine hands ``link_item`` for a scan: the owner's decoding, or the example's own statement when
    the owner cannot decode it (that is the owner's failure, reported by its correctness property)."""
    try:
        result = engine_decode(target, text, owner=owner)
    except (PluginRaised, BarcodeError):
        result = None
    if result is not None:
        return result
    return attrs.evolve(expected, plugin=owner, raw=text, barcode_hash=barcode_hash(normalize(text).text))


def check_link_item(target: PluginUnderTest, budget: Budget = DEFAULT_BUDGET) -> None:
    """**link_item**: the same label, however it was scanned, gives the same link key; labels that differ in
    any contract key other than ``fields`` give different keys. Keys are non-empty text (None means the
    default, the barcode hash); no I/O; arguments not mutated."""
    __tracebackhide__ = True
    target.require("link_item")
    sources = target.all_examples()
    if not sources:
        raise NotApplicable("no installed plugin gives examples to link")
    name = "link_item"

    def key_of(barcode: Decoded) -> str | None:
        before = snapshot(barcode)
        call = watched_call(target, name, budget, no_io=True, barcode=barcode)
        if call.io:
            fail("purity", target.name, f"link_item did I/O: {call.io[0]}", barcode.raw, "no I/O in hooks")
        if isinstance(call.error, BarcodeError):
            return None  # a refusal to link this barcode at all, meant for the user
        if call.error is not None:
            fail(
                name,
                target.name,
                f"raised {describe_error(call.error)}",
                barcode.raw,
                "return a key, None for the default, or raise a BarcodeError to refuse",
            )
        if snapshot(barcode) != before:
            fail(name, target.name, "mutated the barcode it was given", barcode.raw, "treat barcode as read-only")
        if call.result is None:
            return barcode.barcode_hash
        if not isinstance(call.result, str) or not call.result:
            fail(
                name,
                target.name,
                f"returned {call.result!r}; a link key is non-empty text",
                barcode.raw,
                "return text, or None for the default key",
            )
        return call.result

    @budget.settings(40)
    @given(examples_of(sources), examples_of(sources), st.sampled_from(["\r\n", "\n", "\t", " "]))
    def linking(first: tuple[str, Example], second: tuple[str, Example], suffix: str) -> None:
        __tracebackhide__ = True
        (owner, example), (other_owner, other_example) = first, second
        barcode = _scanned(target, owner, example.text, example.expected)
        key = key_of(barcode)
        if key is None:
            return
        rescan = _scanned(target, owner, example.text + suffix, example.expected)
        rescan_key = key_of(rescan)
        if same_decoding(barcode, rescan) and rescan_key is not None and rescan_key != key:
            fail(
                name,
                target.name,
                f"the same label gave two link keys, {key!r} and then {rescan_key!r} when "
                f"scanned with a trailing {suffix!r}",
                example.text,
                "derive the key from decoded values or barcode_hash, never from raw",
            )
        other = _scanned(target, other_owner, other_example.text, other_example.expected)
        other_key = key_of(other)
        if other_key == key and differences(barcode, other, IDENTITY_KEYS):
            wrong = "; ".join(differences(barcode, other, IDENTITY_KEYS)[:3])
            fail(
                name,
                target.name,
                f"two different labels got the same link key {key!r} ({wrong})",
                f"{example.text!r} and {other_example.text!r}",
                "include every identifying value in the key (or return None to use the barcode hash)",
            )

    linking()
