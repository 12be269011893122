"""The store-free decoder (``barcode_plugins.decoder``): decoding, link keys and many scans without a database."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sample_labels import DIGIKEY, GENERIC_ECIA, LCSC

from barcode_plugins import AmbiguousBarcode, Decoded, Decoder, Engine, InputError, hookimpl
from barcode_plugins.hooks.manager import PluginManager


@pytest.fixture(scope="module")
def decoder() -> Decoder:
    """A decoder with every installed plugin."""
    return Decoder()


def test_decoding_imports_no_sqlite_and_no_store() -> None:
    # A fresh process: the test process has long imported the store for other tests.
    script = f"""
import json, sys
from barcode_plugins import Decoder
decoder = Decoder()
barcode = decoder.decode({DIGIKEY!r})
key = decoder.link_key(barcode)
list(decoder.decode_many([{GENERIC_ECIA!r}, ""]))
loaded = [name for name in ("sqlite3", "sqlite_utils", "barcode_plugins.store", "barcode_plugins.engine")
          if name in sys.modules]
print(json.dumps({{"plugin": barcode.plugin, "key": key, "loaded": loaded}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    report = json.loads(done.stdout)
    assert report["plugin"] == "digikey"
    assert report["key"]  # a link key was computed (the default: the barcode hash)
    assert report["loaded"] == []


def test_decoder_and_engine_decode_alike(decoder: Decoder) -> None:
    engine = Engine(":memory:", plugins=decoder.plugins)
    for raw in (DIGIKEY, GENERIC_ECIA, LCSC, "VENDOR-REEL-0001"):
        assert engine.decode(raw) == decoder.decode(raw)
        assert engine.link_key(engine.decode(raw)) == decoder.link_key(decoder.decode(raw))
    assert engine.decoder.plugins is engine.plugins


def test_unknown_text_decodes_as_external(decoder: Decoder) -> None:
    barcode = decoder.decode("VENDOR-REEL-0001")
    assert barcode.kind == "external" and barcode.raw == "VENDOR-REEL-0001" and len(barcode.barcode_hash) == 64


@pytest.mark.parametrize(("raw", "fragment"), [("", "empty"), ("AB\x00CD", "NUL"), ("x" * 9000, "at most")])
def test_bad_scans_are_typed_errors(decoder: Decoder, raw: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        decoder.decode(raw)


def test_decode_many_yields_errors_in_place(decoder: Decoder) -> None:
    results = list(decoder.decode_many([DIGIKEY, "", LCSC]))
    assert isinstance(results[0], Decoded) and results[0].plugin == "digikey"
    assert isinstance(results[1], InputError)
    assert isinstance(results[2], Decoded) and results[2].plugin == "lcsc"


class _ClaimsEverything:
    @hookimpl
    def decode(self, text: str) -> Decoded | None:
        return Decoded(plugin="greedy", kind="supplier", supplier="Greedy", supplier_part_number=text[:10])


class _KeysByPart:
    @hookimpl(tryfirst=True)
    def link_item(self, barcode: Decoded) -> str | None:
        return f"part:{barcode.supplier_part_number}" if barcode.supplier_part_number else None


def test_two_plugins_claiming_a_scan_is_ambiguous() -> None:
    plugins = PluginManager(entry_point_plugins=False)
    decoder = Decoder(plugins)
    assert plugins.register(_ClaimsEverything(), "greedy_one"), plugins.failures
    assert plugins.register(_ClaimsEverything(), "greedy_two"), plugins.failures
    with pytest.raises(AmbiguousBarcode, match="greedy_one"):
        decoder.decode("ANYTHING")


def test_link_key_asks_the_link_item_hook() -> None:
    plugins = PluginManager()
    decoder = Decoder(plugins)
    barcode = decoder.decode(DIGIKEY)
    assert decoder.link_key(barcode) == barcode.barcode_hash  # the default
    assert plugins.register(_KeysByPart(), "keys_by_part"), plugins.failures
    assert decoder.link_key(barcode) == f"part:{barcode.supplier_part_number}"
