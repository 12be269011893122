"""What a plugin declares about the labels it reads, and the registry the engine compiles from those declarations.

A plugin's ``label_formats`` hook returns :class:`LabelFormat` values (see ``hookspecs.label_formats``). The
engine compiles every installed plugin's answer once into a :class:`FormatRegistry` and uses it three ways:

- **dispatch**: a plugin that declared formats is asked to decode a scan only when one of them fits it;
- **dropped separators**: an ECIA format's printed elements, their value shapes and order re-split a label whose
  group separators a keyboard wedge dropped;
- **keyboard layouts and separators**: a text format's start, and the identifiers of an identifier list, are the
  evidence that a scan was typed through another keyboard layout; a text format that uses separators gets them
  repaired from caret notation.

The families and what each field means are described in ``docs/formats.md``; this module knows no supplier.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import attrs

from barcode_plugins.formats.ecia import DATA_IDENTIFIER, DATA_IDENTIFIERS, STANDARD_FIELD, parse_ecia
from barcode_plugins.formats.patterns import first_characters

if TYPE_CHECKING:
    from barcode_plugins.formats.layouts import LayoutEvidence
    from barcode_plugins.formats.segmentation import SegmentationProfile

Family = Literal["ecia", "text", "identifiers"]
FAMILIES: tuple[Family, ...] = ("ecia", "text", "identifiers")
# What an ECIA envelope starts with (the old broken header included): scans that cannot be ECIA skip that check.
_ENVELOPE_STARTS = ("[)>", ">[)>")
# What a data identifier, and so an identifier list, starts with.
_IDENTIFIER_START = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NOTHING: frozenset[str] = frozenset()


class DeclarationError(ValueError):
    """A ``label_formats`` answer that cannot be used (the engine records it as the plugin's failure)."""


def _evidence(value: Iterable[Mapping[str, str | None]]) -> tuple[Mapping[str, str | None], ...]:
    return tuple(dict(item) for item in value)


def _identifiers(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


@attrs.frozen(eq=False)
class LabelFormat:
    """One shape of label a plugin reads. Build it with :meth:`ecia`, :meth:`text` or :meth:`identifier_list`.

    :param name: a short name for messages, e.g. ``"acme"`` or ``"acme-qr"``.
    :param family: ``ecia`` (an ISO/IEC 15434 envelope of data identifiers), ``text`` (a format of the plugin's
        own recognised by how it starts) or ``identifiers`` (data identifiers and values without an envelope,
        separated by ``token_separator``).
    :param evidence: ``ecia``: what only this supplier's labels carry, as alternatives: the format fits an
        envelope when, for one of the mappings, every data identifier in it is present and its first value
        matches the regular expression (``None``: any value, even empty).
    :param start: ``text``: a regular expression that the start of the scan matches (``re.match``).
    :param elements: ``ecia`` and ``identifiers``: every data identifier the labels print, with the regular
        expression its whole value matches (``None``: the standard shape of that identifier, else any value).
    :param order: ``ecia``: the print order of ``elements``, a tuple standing for a group printed in any order;
        empty means any order.
    :param required: identifiers every label prints.
    :param may_be_empty: identifiers printed with no value at times.
    :param separators: ``text``: the format uses the GS/RS/EOT control characters, so their wedge forms (caret
        notation ``^]``, control pictures, ``<GS>`` placeholders) are repaired in scans it fits.
    :param token_separator: ``identifiers``: what separates the elements (a space).
    """

    name: str
    family: Family
    evidence: tuple[Mapping[str, str | None], ...] = attrs.field(default=(), converter=_evidence)
    start: str | None = None
    elements: Mapping[str, str | None] = attrs.field(factory=dict, converter=dict)
    order: tuple[str | tuple[str, ...], ...] = ()
    required: frozenset[str] = attrs.field(default=frozenset(), converter=_identifiers)
    may_be_empty: frozenset[str] = attrs.field(default=frozenset(), converter=_identifiers)
    separators: bool = False
    token_separator: str = " "

    @classmethod
    def ecia(
        cls,
        name: str,
        *,
        evidence: Iterable[Mapping[str, str | None]],
        elements: Mapping[str, str | None] | None = None,
        order: Sequence[str | tuple[str, ...]] = (),
        required: Iterable[str] = (),
        may_be_empty: Iterable[str] = (),
    ) -> LabelFormat:
        """An ECIA envelope recognised by ``evidence``; ``elements`` (optional) makes dropped separators
        recoverable for it."""
        return cls(
            name,
            "ecia",
            evidence=evidence,
            elements=elements or {},
            order=tuple(order),
            required=required,
            may_be_empty=may_be_empty,
        )

    @classmethod
    def text(cls, name: str, *, start: str, separators: bool = False) -> LabelFormat:
        """A plain-text format recognised by how it starts (``r"\\{[a-z]{1,12}:"``)."""
        return cls(name, "text", start=start, separators=separators)

    @classmethod
    def identifier_list(
        cls,
        name: str,
        *,
        elements: Mapping[str, str | None],
        required: Iterable[str] = (),
        token_separator: str = " ",
    ) -> LabelFormat:
        """Data identifiers and values without an envelope, e.g. ``P1N4148-DIO 1P1N4148-TAP Q10``."""
        return cls(name, "identifiers", elements=elements, required=required, token_separator=token_separator)

    def check(self) -> None:
        """Raise :class:`DeclarationError` if the declaration is incomplete or a pattern does not compile."""
        if self.family not in FAMILIES:
            raise DeclarationError(f"format {self.name!r}: family must be one of {', '.join(FAMILIES)}")
        if self.family == "ecia" and not self.evidence:
            raise DeclarationError(f"format {self.name!r}: an ECIA format needs evidence only its labels carry")
        if self.family == "text" and not self.start:
            raise DeclarationError(f"format {self.name!r}: a text format needs a start pattern")
        if self.family == "identifiers" and not (self.elements and self.token_separator):
            raise DeclarationError(f"format {self.name!r}: an identifier list needs its elements and separator")
        for mapping in self.evidence:
            if not mapping or all(
                identifier in STANDARD_FIELD and mapping[identifier] is None for identifier in mapping
            ):
                raise DeclarationError(
                    f"format {self.name!r}: evidence {dict(mapping)!r} is standard identifiers alone, which every "
                    "vendor prints: add the value shape or an identifier only these labels carry"
                )
        identifiers = [di for mapping in self.evidence for di in mapping]
        identifiers += [*self.elements, *self.required, *self.may_be_empty]
        for group in self.order:
            identifiers.extend((group,) if isinstance(group, str) else group)
        for identifier in identifiers:
            if not isinstance(identifier, str) or not DATA_IDENTIFIER.fullmatch(identifier):
                raise DeclarationError(f"format {self.name!r}: {identifier!r} is not a data identifier")
        patterns = [self.start, *self.elements.values(), *(p for m in self.evidence for p in m.values())]
        for pattern in patterns:
            if pattern is None:
                continue
            try:
                re.compile(pattern)
            except (re.error, TypeError) as error:
                raise DeclarationError(f"format {self.name!r}: pattern {pattern!r} does not compile: {error}") from None


class _Claim:
    """One alternative of an ECIA format's evidence, compiled: identifier -> fullmatch pattern (or None)."""

    __slots__ = ("owner", "tests")

    def __init__(self, owner: str, mapping: Mapping[str, str | None]) -> None:
        self.owner = owner
        self.tests = tuple(
            (identifier, None if pattern is None else re.compile(pattern, re.DOTALL))
            for identifier, pattern in mapping.items()
        )

    def fits(self, get: Callable[[str], str | None]) -> bool:
        """Whether every identifier of the alternative is present (``get`` gives its first value) and fits."""
        for identifier, pattern in self.tests:
            value = get(identifier)
            if value is None or (pattern is not None and pattern.fullmatch(value) is None):
                return False
        return True


class FormatRegistry:
    """Every installed plugin's declared formats, compiled for the per-scan questions the engine asks.

    Built once per plugin set (:meth:`barcode_plugins.Engine.formats`); immutable afterwards, so it is safe to
    share and to use as a cache key.

    :param declared: ``plugin name -> its formats`` for every plugin that declared any.
    """

    def __init__(self, declared: Mapping[str, Sequence[LabelFormat]] | None = None) -> None:
        self.declared: dict[str, tuple[LabelFormat, ...]] = {
            name: tuple(formats) for name, formats in (declared or {}).items()
        }
        #: Plugins that declared at least one format: they are asked only about scans a format of theirs fits.
        self.declaring = frozenset(self.declared)
        claims: dict[str, list[_Claim]] = {}
        texts: list[tuple[str, re.Pattern[str]]] = []
        lists: list[tuple[str, LabelFormat]] = []
        for owner, formats in self.declared.items():
            for label_format in formats:
                if label_format.family == "ecia":
                    for mapping in label_format.evidence:
                        claim = _Claim(owner, mapping)
                        # Indexed by one identifier of the alternative: a scan without it is never tested.
                        claims.setdefault(next(iter(mapping), ""), []).append(claim)
                elif label_format.family == "text":
                    texts.append((owner, re.compile(label_format.start or "")))
                else:
                    lists.append((owner, label_format))
        self._claims = claims
        self._claim_identifiers = frozenset(claims)
        self._lists = tuple(lists)
        # The text starts by the first character they can match: a scan is tested against only those its first
        # character allows (a start whose first characters cannot be worked out is tested against every scan).
        anywhere = [(owner, pattern) for owner, pattern in texts if first_characters(pattern.pattern) is None]
        by_first: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
        for owner, pattern in texts:
            for character in first_characters(pattern.pattern) or ():
                by_first.setdefault(character, []).append((owner, pattern))
        self._texts_by_first = {character: (*found, *anywhere) for character, found in by_first.items()}
        self._texts_anywhere = tuple(anywhere)
        self._texts = tuple(texts)
        self._list_identifiers = {owner: frozenset(f.elements) for owner, f in lists}

    def __repr__(self) -> str:
        return f"<FormatRegistry {sorted(self.declaring)}>"

    # -- dispatch --------------------------------------------------------------------------------------------
    def fitting(self, text: str) -> frozenset[str]:
        """The declaring plugins one of whose formats fits the (normalised) scan ``text``."""
        found: set[str] = set()
        if self._claim_identifiers and text.startswith(_ENVELOPE_STARTS):
            record = parse_ecia(text)
            if record is not None:
                get = record.get
                # A set intersection in C: only the identifiers some evidence starts with are looked at.
                for identifier in self._claim_identifiers & record.identifiers:
                    for claim in self._claims[identifier]:
                        if claim.owner not in found and claim.fits(get):
                            found.add(claim.owner)
                return frozenset(found) if found else _NOTHING  # an envelope is no text format's or list's
        for owner, start in self._texts_by_first.get(text[:1], self._texts_anywhere):
            if start.match(text):
                found.add(owner)
        if self._lists and text[:1] in _IDENTIFIER_START:
            for owner, label_format in self._lists:
                if owner not in found and _is_identifier_list(text, label_format):
                    found.add(owner)
        return frozenset(found) if found else _NOTHING

    # -- what normalisation needs ------------------------------------------------------------------------------
    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """The data identifiers learned separators are checked against: the standard ones and every identifier a
        declared ECIA format prints (a supplier's own ``21Z`` counts as known for its labels)."""
        declared = {
            identifier
            for formats in self.declared.values()
            for label_format in formats
            if label_format.family == "ecia"
            for identifier in (*label_format.elements, *(di for mapping in label_format.evidence for di in mapping))
        }
        return frozenset(DATA_IDENTIFIERS) | declared

    @cached_property
    def layout_evidence(self) -> LayoutEvidence:
        """The starts and identifier lists that prove keyboard-layout damage (core forms plus declared ones)."""
        from barcode_plugins.formats.layouts import (
            LayoutEvidence,  # lazy: plugins import this module, decoding needs the layout tables
        )

        identifiers = frozenset().union(*self._list_identifiers.values()) if self._list_identifiers else frozenset()
        separators = {f.token_separator for _, f in self._lists}
        return LayoutEvidence.build([pattern.pattern for _, pattern in self._texts], identifiers, separators)

    @cached_property
    def separator_starts(self) -> tuple[re.Pattern[str], ...]:
        """The starts of the text formats that use separators (their caret notation is repaired)."""
        return tuple(
            re.compile(f.start or "")
            for formats in self.declared.values()
            for f in formats
            if f.family == "text" and f.separators
        )

    @cached_property
    def segmentation_profiles(self) -> tuple[SegmentationProfile, ...]:
        """A segmentation profile per ECIA format that lists its elements (compiled on the first dropped-separator
        scan: most sessions never see one)."""
        from barcode_plugins.formats.segmentation import (
            profile_of,  # lazy: only a scan that lost its separators needs it
        )

        return tuple(
            profile_of(
                f"{owner}:{f.name}",
                evidence=f.evidence,
                elements=f.elements,
                order=f.order,
                required=f.required,
                may_be_empty=f.may_be_empty,
            )
            for owner, formats in self.declared.items()
            for f in formats
            if f.family == "ecia" and f.elements
        )


def _is_identifier_list(text: str, label_format: LabelFormat) -> bool:
    """Whether every token of ``text`` starts with one of the format's identifiers and the required are there."""
    found: set[str] = set()
    elements = label_format.elements
    for token in text.split(label_format.token_separator):
        match = DATA_IDENTIFIER.match(token)
        if match is None or match.group() not in elements:
            return False
        found.add(match.group())
    return label_format.required <= found


#: The registry of an engine whose plugins declare nothing: only the core's own knowledge.
EMPTY_REGISTRY = FormatRegistry()
