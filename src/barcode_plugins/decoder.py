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
from barcode_plugins.formats.label_formats import EMPTY_REGISTRY, DeclarationError, FormatRegistry, LabelFormat
from barcode_plugins.formats.normalize import barcode_hash, normalize
from barcode_plugins.hooks.manager import Caller, PluginManager
from barcode_plugins.hooks.results import PLUGIN_FAILURES, check_decoded, check_link_key
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
        self._routes: tuple[object, FormatRegistry, dict[frozenset[str], list[Caller]]] | None = None

    @property
    def formats(self) -> FormatRegistry:
        """The installed plugins' declared label formats (the ``label_formats`` hook), compiled once per plugin set:
        rebuilt only when a plugin is registered or removed. A declaration that raises or cannot be used is
        recorded as that plugin's failure, and the plugin counts as declaring nothing (it is always asked)."""
        implementations = self.plugins.implementations("label_formats")
        cached = self._formats
        if cached is not None and cached[0] is implementations:
            return cached[1]
        declared: dict[str, list[LabelFormat]] = {}
        for impl, answer in self.plugins.call_each("label_formats"):
            if answer is None:
                continue
            try:
                formats = list(answer)
                for label_format in formats:
                    if not isinstance(label_format, LabelFormat):
                        raise DeclarationError(f"returned {type(label_format).__name__}, not a LabelFormat")
                    label_format.check()
            except (DeclarationError, TypeError) as error:
                self.plugins.record_failure(impl.plugin_name, "label_formats", str(error))
                continue
            if formats:
                declared.setdefault(impl.plugin_name, []).extend(formats)
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
        specific: list[tuple[str, Decoded]] = []
        for name, call, fallback in self._decoders_for(text):
            if fallback and specific:
                break
            try:
                result = call(text)
            except BarcodeError:
                raise
            except PLUGIN_FAILURES as error:  # a broken plugin is recorded and skipped, never fatal
                self.plugins.record_failure(name, "decode", f"{type(error).__name__}: {error}", text)
                continue
            if result is None:
                continue
            wrong = check_decoded(result)
            if wrong is not None:
                self.plugins.record_failure(name, "decode", wrong, text)
                continue
            if fallback:
                return name, result
            specific.append((name, result))
        if len(specific) > 1:
            names = [name for name, _ in specific]
            raise AmbiguousBarcode(
                f"plugins {', '.join(names)} all claim this barcode; block one with BARCODE_PLUGINS_BLOCK=<name>",
                names,
            )
        return specific[0] if specific else None

    def _decoders_for(self, text: str) -> list[Caller]:
        """The decoders to ask about ``text``, in call order: those that declared no format, and those with a
        declared format that fits. Cached per set of fitting plugins, so that an installed plugin that cannot
        claim a scan costs no step of the loop that asks the decoders."""
        callers = self.plugins.callers("decode")
        formats = self.formats
        routes = self._routes
        if routes is None or routes[0] is not callers or routes[1] is not formats:
            routes = self._routes = (callers, formats, {})
        fitting = formats.fitting(text) if formats.declaring else formats.declaring
        route = routes[2].get(fitting)
        if route is None:
            declaring = formats.declaring
            route = routes[2][fitting] = [c for c in callers if c.name not in declaring or c.name in fitting]
        return route

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
        for name, call, _ in self.plugins.callers("link_item"):
            try:
                key = call(barcode)
            except BarcodeError:
                raise
            except PLUGIN_FAILURES as error:  # a broken plugin is recorded and skipped, never fatal
                self.plugins.record_failure(name, "link_item", f"{type(error).__name__}: {error}", barcode)
                continue
            if key is None:
                continue
            wrong = check_link_key(key)
            if wrong is None:  # firstresult: the first usable answer decides
                return key
            self.plugins.record_failure(name, "link_item", wrong, barcode)
        return barcode.barcode_hash


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
