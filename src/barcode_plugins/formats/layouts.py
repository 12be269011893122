"""Keyboard-layout damage: a scanner that types US key codes into a computer set to another layout.

A keyboard-wedge scanner sends key *positions* (HID usages) for a US keyboard; the host turns them into
characters with its own layout. On a German host ``[)>`` arrives as ``ü=:``, ``Y`` and ``Z`` swap, ``-`` becomes
``ß``. Each layout here is a table: the host's characters on the same physical keys as the US rows, unshifted
and shifted, plus the host's dead keys (an accent key that waits for the next key: ``´`` then ``e`` gives ``é``;
then a key it does not combine with, both characters appear). From the table come both directions: what the host
shows for a US text (:meth:`Layout.type`, used to build test scans) and the repair (:meth:`Layout.repair`).

Repair is applied only on evidence that cannot be normal data (:func:`detect_layout`): the start of the scan,
inverted, must be the start of a known format (an ECIA header, our internal forms, or a start that an installed
plugin declared for its labels), or a list of data identifiers that a plugin declared and that carries characters
only the host layout types (:class:`LayoutEvidence`). :func:`damage_shows` says, for a clean text, whether its
damaged forms carry that evidence.

Known losses: a dead key followed by a space swallows the space (``= `` on a German host is ``´``), and text
the US keyboard cannot type (``ü`` in ``Würth``) is read back as what those host characters stand for.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

import attrs

from barcode_plugins.formats.ecia import DATA_IDENTIFIER
from barcode_plugins.formats.patterns import PRINTABLE, first_characters

# The four character rows of a US keyboard, key by key: (unshifted, shifted).
US_ROWS: tuple[tuple[str, str], ...] = (
    ("`1234567890-=", "~!@#$%^&*()_+"),
    ("qwertyuiop[]\\", "QWERTYUIOP{}|"),
    ("asdfghjkl;'", 'ASDFGHJKL:"'),
    ("zxcvbnm,./", "ZXCVBNM<>?"),
)
# A key that types nothing on the host (AZERTY has no shifted character on the key left of 1).
_NOTHING = "\x00"
# Code points below this are repaired through a list (see Layout); Latin-1 and Latin Extended-A and -B.
_TABLE_SIZE = 0x250
_HIGH = re.compile(f"[{chr(_TABLE_SIZE)}-\U0010ffff]")
_COMBINING = {"^": "\u0302", "´": "\u0301", "`": "\u0300", "¨": "\u0308", "~": "\u0303"}


@attrs.frozen
class Layout:
    """A host keyboard layout, as the characters on the US keys.

    :param name: short name used in repair notes, e.g. ``qwertz`` (the repair is reported as ``layout-qwertz``).
    :param rows: the host's characters on the keys of ``US_ROWS``, row by row, (unshifted, shifted).
    :param dead_keys: which of those characters are dead keys on the host.
    """

    name: str
    rows: tuple[tuple[str, str], ...]
    dead_keys: frozenset[str] = frozenset()
    typed: Mapping[str, str] = attrs.field(init=False, repr=False, eq=False)
    _inverse: Mapping[int, str] = attrs.field(init=False, repr=False, eq=False)
    _marks: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    _marked: re.Pattern[str] = attrs.field(init=False, repr=False, eq=False)
    _table: list[str] = attrs.field(init=False, repr=False, eq=False)
    _high: Mapping[int, str] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        typed: dict[str, str] = {}
        for (us_plain, us_shift), (host_plain, host_shift) in zip(US_ROWS, self.rows, strict=True):
            for us_row, host_row in ((us_plain, host_plain), (us_shift, host_shift)):
                if len(us_row) != len(host_row):
                    raise ValueError(f"layout {self.name}: row {host_row!r} does not match {us_row!r}")
                typed.update(zip(us_row, host_row, strict=True))
        inverse: dict[str, str] = {}
        for us_char, host_char in typed.items():
            if host_char != _NOTHING:
                _add_inverse(inverse, host_char, us_char, self.name)
        # A dead key followed by a key it combines with gives one precomposed character: invert that too.
        for us_dead, dead in typed.items():
            mark = _COMBINING.get(dead) if dead in self.dead_keys else None
            if mark is None:
                continue
            for us_char, host_char in typed.items():
                composed = unicodedata.normalize("NFC", host_char + mark)
                if len(composed) == 1 and host_char not in self.dead_keys:
                    _add_inverse(inverse, composed, us_dead + us_char, self.name)
        object.__setattr__(self, "typed", typed)
        changed = {key: value for key, value in inverse.items() if key != value}
        object.__setattr__(self, "_inverse", {ord(key): value for key, value in changed.items()})
        # str.translate with a dict pays a failed lookup (an exception, internally) for every character it does
        # not change: a list indexed by code point, complete up to _TABLE_SIZE, is twice as fast (2.2 against
        # 4.2 us on a typed label; test_repair_table_agrees_with_the_inverse_mapping). The few composed
        # characters above it get a second pass.
        table = [chr(code) for code in range(_TABLE_SIZE)]
        for code, value in self._inverse.items():
            if code < _TABLE_SIZE:
                table[code] = value
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "_high", {code: v for code, v in self._inverse.items() if code >= _TABLE_SIZE})
        marks = frozenset(key for key in changed if not key.isascii())
        object.__setattr__(self, "_marks", marks)
        marked = "[" + re.escape("".join(sorted(marks))) + "]" if marks else "(?!)"
        object.__setattr__(self, "_marked", re.compile(marked))

    def type(self, text: str) -> str:
        """What the host shows when a US-programmed scanner types ``text`` (characters off the US keyboard, such
        as control characters, arrive unchanged)."""
        out: list[str] = []
        pending = ""
        for char in text:
            host = self.typed.get(char, char)
            if host == _NOTHING:
                continue
            if pending:
                composed = unicodedata.normalize("NFC", host + _COMBINING[pending])
                if host == " ":
                    out.append(pending)
                elif len(composed) == 1 and host not in self.dead_keys:
                    out.append(composed)
                else:
                    out.append(pending + host)
                pending = ""
            elif host in self.dead_keys:
                pending = host
            else:
                out.append(host)
        out.append(pending)
        return "".join(out)

    def may_start(self, text: str, opening: str) -> bool:
        """Whether ``text`` could be typed through this layout from a start whose first US character is one of
        ``opening`` (a cheap first check)."""
        return self.repair(text[:1])[:1] in opening

    def has_marks(self, text: str) -> bool:
        """Whether ``text`` holds a character only this host types for US keys."""
        return self._marked.search(text) is not None

    def repair(self, text: str) -> str:
        """Undo :meth:`type`: the US text a scanner typed when the host showed ``text``."""
        repaired = text.translate(self._table)
        if self._high and not text.isascii() and _HIGH.search(text):
            repaired = repaired.translate(self._high)
        return repaired

    @property
    def marks(self) -> frozenset[str]:
        """Non-ASCII characters this host types for US keys (``ü``, ``ß``, ``Ö``, ...): tell-tales of damage."""
        return self._marks


def _add_inverse(inverse: dict[str, str], host: str, us: str, name: str) -> None:
    if inverse.get(host, us) != us:
        raise ValueError(f"layout {name}: {host!r} stands for both {inverse[host]!r} and {us!r}")
    inverse[host] = us


#: German QWERTZ (Windows/Linux default): Y/Z swapped, umlauts on the US punctuation keys, ``^ ´ ``` dead.
QWERTZ = Layout(
    "qwertz",
    (
        ("^1234567890ß´", '°!"§$%&/()=?`'),
        ("qwertzuiopü+#", "QWERTZUIOPÜ*'"),
        ("asdfghjklöä", "ASDFGHJKLÖÄ"),
        ("yxcvbnm,.-", "YXCVBNM;:_"),
    ),
    frozenset("^´`"),
)

#: French AZERTY: A/Q and Z/W swapped, digits on the shifted number row, ``^ ¨`` dead.
AZERTY = Layout(
    "azerty",
    (
        ("²&é\"'(-è_çà)=", _NOTHING + "1234567890°+"),
        ("azertyuiop^$*", "AZERTYUIOP¨£µ"),
        ("qsdfghjklmù", "QSDFGHJKLM%"),
        ("wxcvbn,;:!", "WXCVBN?./§"),
    ),
    frozenset("^¨"),
)

#: Every layout that detection considers, by name.
LAYOUTS: Mapping[str, Layout] = {layout.name: layout for layout in (QWERTZ, AZERTY)}

# The clean starts the core itself knows: an ECIA header (also after an AIM prefix or as the old broken
# ">[)>"), and the internal JSON and short forms. Plugins add theirs through their declared label formats.
_AIM_PREFIX = r"(?:\][A-Za-z][0-9A-Za-z])?"
_CORE_STARTS = (r">?\[\)>", r'\{\s*"[a-z_]{1,32}"\s*:', r"bp:[a-z_]{1,32}:")
_AIM = re.compile(_AIM_PREFIX)
_PROBE = 80
# What a damaged known start may begin with, as US characters: an AIM prefix's "]", the ECIA header's ">" and
# "[", the internal forms' "{" and "b". A declared start adds its possible first characters (see LayoutEvidence).
_CORE_OPENING = "]>[{b"


@attrs.frozen(eq=False)
class LayoutEvidence:
    """What proves that a scan was typed through another keyboard layout: the starts of known formats, and the
    data identifiers of formats that are lists of identifiers and values (a repair counts there only when the
    scan carries a character only the host layout types, such as ``ß`` for ``-``).

    Built from the installed plugins' declared label formats (``FormatRegistry.layout_evidence``);
    :data:`CORE_EVIDENCE` knows only the ECIA header and the internal forms.
    """

    start: re.Pattern[str]
    identifiers: frozenset[str] = frozenset()
    token_separators: frozenset[str] = frozenset({" "})
    opening: str = _CORE_OPENING

    @classmethod
    def build(
        cls, starts: list[str], identifiers: frozenset[str] = frozenset(), separators: set[str] | None = None
    ) -> LayoutEvidence:
        """Evidence from the core's starts plus ``starts`` (regular expressions matched at the scan's start)."""
        alternatives = "|".join(f"(?:{start})" for start in (*_CORE_STARTS, *starts))
        try:
            pattern = re.compile(f"{_AIM_PREFIX}(?:{alternatives})")
        except re.error:
            pattern = re.compile(f"{_AIM_PREFIX}(?:{'|'.join(_CORE_STARTS)})")
        opening = _CORE_OPENING + "".join("".join(sorted(first_characters(start) or PRINTABLE)) for start in starts)
        return cls(pattern, identifiers, frozenset(separators or {" "}), opening)

    def known_start(self, text: str) -> bool:
        """Whether ``text`` starts like a known format."""
        return self.start.match(text) is not None

    def is_identifier_list(self, text: str) -> bool:
        """Whether ``text`` is a list of declared identifiers and values (an AIM prefix may stand first)."""
        if not self.identifiers:
            return False
        text = text[_AIM.match(text).end() :]  # type: ignore[union-attr]  # may match empty
        for separator in self.token_separators:
            tokens = text.split(separator)
            if len(tokens) > 1 and all(_leading_identifier(token) in self.identifiers for token in tokens):
                return True
        return False


#: Layout evidence from the core alone (no plugin's formats).
CORE_EVIDENCE = LayoutEvidence.build([])


def damage_shows(clean: str, layout: Layout, evidence: LayoutEvidence = CORE_EVIDENCE) -> bool:
    """Whether :func:`detect_layout` is meant to find ``layout`` in ``clean`` typed through it: ``clean`` starts
    like a known format, or it is a list of known data identifiers whose typing shows a character only the host
    types (``-`` as ``ß``)."""
    if evidence.known_start(clean):
        return True
    return evidence.is_identifier_list(clean) and layout.has_marks(layout.type(clean))


def detect_layout(text: str, evidence: LayoutEvidence = CORE_EVIDENCE) -> Layout | None:
    """The layout ``text`` was typed through, if the evidence says so; ``None`` for a clean (or unknown) scan.

    ``text`` should have its surrounding spaces removed; an AIM prefix, damaged or not, may still be there.
    """
    if not text or evidence.known_start(text):
        return None
    probe = text[:_PROBE]
    for layout in LAYOUTS.values():
        if layout.may_start(probe, evidence.opening) and evidence.known_start(layout.repair(probe)):
            return layout
    if text.isascii() or not evidence.identifiers:
        return None
    for layout in LAYOUTS.values():
        if layout.has_marks(text) and evidence.is_identifier_list(layout.repair(text)):
            return layout
    return None


def _leading_identifier(token: str) -> str:
    match = DATA_IDENTIFIER.match(token)
    return match.group() if match else ""
