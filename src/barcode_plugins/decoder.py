"""The store-free decoder: a scan in, a :class:`~barcode_plugins.models.Decoded` out, through the plugins' hooks.

``Decoder`` is everything of decoding that needs only the plugin manager: normalisation, the installed plugins'
declared label formats, the ``decode`` and ``link_item`` hooks, many scans at once. It never imports the store
(nor ``sqlite3`` or sqlite-utils), so code that only decodes embeds it without a database;
:class:`barcode_plugins.engine.Engine` composes one with the store. Barcodes in pictures are read below it
(:func:`barcode_plugins.images.reading.decode_symbols` takes a decoder), so the decoder never reaches up to images.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from barcode_plugins.errors import AmbiguousBarcode, BarcodeError, InputError
from barcode_plugins.formats.label_formats import EMPTY_REGISTRY, FormatRegistry
from barcode_plugins.formats.normalize import barcode_hash, normalize
from barcode_plugins.hooks.manager import PluginManager
from barcode_plugins.models import Decoded

#: The longest scan accepted. A QR code holds at most 7,089 characters, a DataMatrix 3,116.
MAX_SCAN_LENGTH = 8192
_SEPARATORS_AND_SPACE = "\x1d\x1e\x04\x1c\x1f \t\r\n"


class Decoder:
    """Decode scans through the installed plugins; never touches a store.

    Safe to share between threads: its caches are replaced whole when the plugin set changes, and otherwise only
    gain entries (one dict assignment each), so a thread never sees half of one.

    :param plugins: a :class:`PluginManager` to use instead of loading every installed plugin.
    """

    def __init__(self, plugins: PluginManager | None = None) -> None:
        self.plugins = plugins or PluginManager()
        self._formats: tuple[object, FormatRegistry] | None = None

    @property
    def formats(self) -> FormatRegistry:
        """The installed plugins' declared label formats (the ``label_formats`` hook), compiled once per plugin set:
        rebuilt only when a plugin is registered or removed. A declaration that raises or cannot be used is
        recorded as that plugin's failure, and the plugin counts as declaring nothing (it is always asked)."""
        implementations = self.plugins.implementations("label_formats")
        cached = self._formats
        if cached is not None and cached[0] is implementations:
            return cached[1]
        declared = self.plugins.label_formats()
        registry = FormatRegistry(declared) if declared else EMPTY_REGISTRY
        self._formats = (implementations, registry)
        return registry

    def decode(self, raw: str) -> Decoded:
        """Decode one scan. Unknown text decodes as ``kind="external"`` (it can still be linked).

        :raises InputError: empty, too long, NUL bytes, or only separators.
        :raises AmbiguousBarcode: the scan reads several ways (separators lost) or two plugins claim it.
        """
        _check_scan(raw)
        normalized = normalize(raw, self.formats)
        text = normalized.text
        if text[:1] in _SEPARATORS_AND_SPACE and not text.strip(_SEPARATORS_AND_SPACE):  # first test: no copy
            raise InputError("scan holds only separators and no data")
        if not normalized.alternatives:  # one reading, the common case
            answer = self._decode_reading(text)
            if answer is None:
                return Decoded.external(raw, barcode_hash(text))
            return answer[1].identified(answer[0], raw, barcode_hash(text))
        if not normalized.complete:
            raise AmbiguousBarcode(
                f"the separators were lost and the scan reads more than {len(normalized.alternatives) + 1} ways;"
                " rescan with a scanner that keeps control characters",
                (normalized.text, *normalized.alternatives),
            )
        readings = (normalized.text, *normalized.alternatives)
        # With several readings every claimed one counts: preferring the one a supplier plugin likes would be a
        # silent guess, so they must all agree. Two that disagree settle it; the rest need not be decoded.
        claimed: list[tuple[str, tuple[str, Decoded]]] = []
        for reading in readings:
            answer = self._decode_reading(reading)
            if answer is None:
                continue
            claimed.append((reading, answer))
            if len(claimed) > 1 and not _same_result(*claimed[0][1], *answer):
                break
        if not claimed:
            return Decoded.external(raw, barcode_hash(normalized.text))
        reading, (plugin, result) = claimed[0]
        if len(claimed) > 1 and not _same_result(plugin, result, *claimed[-1][1]):
            candidates = list(readings)
            raise AmbiguousBarcode(
                f"the scan can be read {len(candidates)} ways (separators were lost): "
                + " | ".join(_show(candidate)[:80] for candidate in candidates[:5])
                + "; rescan with a scanner that keeps control characters",
                candidates,
            )
        return result.identified(plugin, raw, barcode_hash(reading))

    def _decode_reading(self, text: str) -> tuple[str, Decoded] | None:
        """Ask the decoders: ``(plugin name, result)`` of the one that claimed ``text``, or ``None``.

        Fallback decoders (``trylast``) are asked only when no specific decoder answered. A plugin that declared
        label formats is asked only when one of them fits ``text``.
        """
        formats = self.formats
        declaring = formats.declaring
        claims = self.plugins.decode(text, declaring - formats.fitting(text) if declaring else declaring)
        if len(claims) > 1:
            names = [name for name, _ in claims]
            raise AmbiguousBarcode(
                f"plugins {', '.join(names)} all claim this barcode; block one with BARCODE_PLUGINS_BLOCK=<name>",
                names,
            )
        return claims[0] if claims else None

    def decode_many(self, lines: Iterable[str]) -> Iterator[Decoded | BarcodeError]:
        """Decode scans one by one; a bad scan yields its error instead of stopping the stream."""
        decode = self.decode
        for line in lines:
            try:
                yield decode(line)
            except BarcodeError as error:
                yield error

    def link_key(self, barcode: Decoded) -> str:
        """The key a barcode is linked under (the ``link_item`` hook; default: its barcode hash)."""
        key = self.plugins.link_item(barcode)
        return barcode.barcode_hash if key is None else key


def _check_scan(raw: Any) -> None:
    if not isinstance(raw, str):
        raise InputError(f"a scan must be text, got {type(raw).__name__}")
    if len(raw) > MAX_SCAN_LENGTH:
        raise InputError(f"scan is {len(raw):,} characters long; a barcode holds at most {MAX_SCAN_LENGTH:,}")
    if "\x00" in raw:
        raise InputError("scan contains NUL bytes, which no barcode scanner sends")
    if not raw.strip(" \t\r\n\f\v"):  # not str.strip(): GS and RS count as whitespace to Python
        raise InputError("empty scan")


def _same_result(plugin: str, result: Decoded, other_plugin: str, other: Decoded) -> bool:
    return plugin == other_plugin and result.identified(plugin, "", "") == other.identified(plugin, "", "")


def _show(text: str) -> str:
    # Make separators visible in messages: a reading with raw GS/RS would print as nothing on a terminal.
    return text.translate({0x1D: "␝", 0x1E: "␞", 0x04: "␄"})


__all__ = ["MAX_SCAN_LENGTH", "Decoder"]
