"""Raw scan -> canonical text, and the barcode hash over it.

Runs once per scan, before any decoder. Idempotent (``normalize(normalize(x).text).text == normalize(x).text``)
and total: it never raises, whatever it is given.
"""

from __future__ import annotations

import hashlib
import re

import attrs

from .ecia import EOT, GS, RS, canonical_ecia, parse_ecia

#: Surrounding characters a scanner or terminal adds. Not ``str.strip()``: that also strips GS and RS.
_SURROUNDING = " \t\r\n\x00"
# AIM symbology identifier: "]" + symbology letter + modifier, e.g. "]d2" DataMatrix, "]Q1" QR, "]C1" GS1-128.
_AIM_PREFIX = re.compile(r"\A\][A-Za-z][0-9A-Za-z]")
_PLACEHOLDER = re.compile(
    r"<(?:GS|RS|EOT)>|\{(?:GS|RS|EOT)\}|\[(?:GS|RS|EOT)\]|\\x(?:1[dDeE]|04)|\\u00(?:1[dDeE]|04)",
    re.IGNORECASE,
)
_PLACEHOLDER_CHAR = {"gs": GS, "rs": RS, "eot": EOT, "1d": GS, "1e": RS, "04": EOT}


@attrs.frozen
class Normalized:
    """The canonical reading of a scan.

    ``alternatives`` holds the other canonical readings when the scan can be read several ways (an ECIA label
    whose separators were dropped); ``repairs`` says what was undone, for diagnostics.
    """

    text: str
    alternatives: tuple[str, ...] = ()
    repairs: tuple[str, ...] = ()


def normalize(raw: str) -> Normalized:
    """Repair wedge damage and return the canonical text (see formats.md, section 5)."""
    repairs: list[str] = []
    text = raw.strip(_SURROUNDING)
    aim = _AIM_PREFIX.match(text)
    if aim:
        text = text[aim.end():]
        repairs.append("aim-prefix")
    if any("\u2400" <= char <= "\u2421" for char in text):
        text = "".join(chr(ord(c) - 0x2400) if "\u2400" <= c <= "\u241f" else c for c in text)
        repairs.append("control-pictures")
    if "\\" in text or "<" in text or "{" in text or "[" in text:
        replaced = _PLACEHOLDER.sub(lambda m: _placeholder_char(m.group(0)), text)
        if replaced != text:
            text = replaced
            repairs.append("placeholders")
    if text.startswith(("[)>^^", "[)>^]", ">[)>")) or "^]" in text:
        text = text.replace("^]", GS).replace("^^", RS).replace("^D", EOT)
        repairs.append("caret-notation")
    record = parse_ecia(text)
    if record is not None:
        text = canonical_ecia(record)
    return Normalized(text, (), tuple(repairs))


def _placeholder_char(token: str) -> str:
    key = token.strip("<>{}[]").lower().removeprefix("\\x").removeprefix("\\u00")
    return _PLACEHOLDER_CHAR[key]


def barcode_hash(canonical: str) -> str:
    """Hex SHA-256 of the canonical text (UTF-8; lone surrogates escaped so hashing never fails)."""
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
