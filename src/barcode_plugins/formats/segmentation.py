"""Re-splitting an ECIA record whose group separators were dropped by a keyboard-wedge scanner.

``[)>06P497-1234-1-ND1PSTM32F103C8T6...`` still carries its data identifiers; the DI vocabulary, the shapes of
their values and what each declared label format prints (a :class:`SegmentationProfile`) recover the elements
where the label reads one way, and list the readings where it reads several.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from operator import itemgetter

import attrs

from barcode_plugins.formats.ecia import (
    ANY_VALUE_SHAPE,
    DATA_IDENTIFIERS,
    MAX_READINGS,
    VALUE_SHAPES,
    EciaElement,
)


@attrs.frozen(eq=False)
class SegmentationProfile:
    """What one label format prints, for re-splitting its labels when the separators were dropped.

    A run-together label reads as every split into elements that the profile allows; one such reading is an
    answer, several are an ambiguity. A reading counts only if it satisfies ``confirms`` (the format's evidence:
    a reading must hold the identifying element, not just its text inside a value). ``shapes`` lists the only DIs
    the format prints and the regular expression each value matches; ``rank`` their print order (DIs of equal rank
    come in any order; an unordered profile ranks them all equal); ``required`` DIs are always printed,
    ``may_be_empty`` ones may have no value. Every DI occurs at most once. ``hints`` are texts one of which a body
    must contain for the profile to be tried (a cheap first test).

    Narrow profiles are what make real labels read one way: when a format prints no ``T`` (traceability number),
    ``1PSTM32F103C8T6`` is one element, while for a vendor that prints ``T`` ``1PSTM32F103C8`` + ``T6`` is as good.
    Profiles come from the plugins' declared label formats (:func:`profile_of`); :data:`GENERIC_PROFILE`, the
    whole vocabulary in any order, is tried when none applies.
    """

    name: str
    confirmation: Callable[[Reading], bool] | None
    shapes: Mapping[str, re.Pattern[str]]
    rank: Mapping[str, int]
    required: frozenset[str] = frozenset()
    may_be_empty: frozenset[str] = frozenset()
    hints: tuple[str, ...] = ()
    starts: re.Pattern[str] = attrs.field(init=False, repr=False)
    # The search works on sets of DIs as bit masks: a bit per DI, the required ones, and per rank the DIs that
    # may still follow an element of that rank.
    bits: Mapping[str, int] = attrs.field(init=False, repr=False)
    required_mask: int = attrs.field(init=False, repr=False)
    rank_at_least: Mapping[int, int] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # Every position where one of the DIs starts (a lookahead, so overlapping starts are all found).
        alternatives = "|".join(sorted(map(re.escape, self.shapes), key=len, reverse=True))
        object.__setattr__(self, "starts", re.compile(f"(?=({alternatives}))"))
        bits = {di: 1 << index for index, di in enumerate(self.rank)}
        object.__setattr__(self, "bits", bits)
        object.__setattr__(self, "required_mask", sum(bits[di] for di in self.required))
        at_least = {
            here: sum(bit for di, bit in bits.items() if self.rank[di] >= here) for here in set(self.rank.values())
        }
        object.__setattr__(self, "rank_at_least", at_least)

    def applies(self, body: str) -> bool:
        """Whether the body may hold one of this format's labels (its required DIs and a hint are in the text)."""
        if not all(identifier in body for identifier in self.required):
            return False
        return not self.hints or any(hint in body for hint in self.hints)

    def confirms(self, reading: Reading) -> bool:
        """Whether a reading carries what this format's labels carry."""
        return self.confirmation is None or self.confirmation(reading)


def _profile(
    name: str,
    confirmation: Callable[[Reading], bool] | None,
    order: Iterable[str | tuple[str, ...]],
    shapes: Mapping[str, str | None],
    *,
    required: Iterable[str] = (),
    may_be_empty: Iterable[str] = (),
    hints: Iterable[str] = (),
) -> SegmentationProfile:
    # ``order``: DIs in print order; a tuple is a group printed in any order.
    rank = {di: index for index, group in enumerate(order) for di in ((group,) if isinstance(group, str) else group)}
    for di in shapes:
        rank.setdefault(di, len(rank) and max(rank.values()) + 1)
    compiled = {di: re.compile(shapes.get(di) or VALUE_SHAPES.get(di, ANY_VALUE_SHAPE), re.DOTALL) for di in rank}
    return SegmentationProfile(
        name, confirmation, compiled, rank, frozenset(required), frozenset(may_be_empty), tuple(hints)
    )


def profile_of(
    name: str,
    *,
    evidence: Sequence[Mapping[str, str | None]],
    elements: Mapping[str, str | None],
    order: Sequence[str | tuple[str, ...]] = (),
    required: Iterable[str] = (),
    may_be_empty: Iterable[str] = (),
) -> SegmentationProfile:
    """The segmentation profile of a declared ECIA label format, from its fields (see ``LabelFormat.ecia``): its
    elements, order, required and may-be-empty identifiers; its evidence confirms a reading."""
    claims = [
        tuple(
            (identifier, None if pattern is None else re.compile(pattern, re.DOTALL))
            for identifier, pattern in mapping.items()
        )
        for mapping in evidence
    ]

    def confirmation(reading: Reading) -> bool:
        first: dict[str, str] = {}
        for identifier, value in reading:
            first.setdefault(identifier, value)
        return any(
            all(
                identifier in first and (pattern is None or pattern.fullmatch(first[identifier]) is not None)
                for identifier, pattern in claim
            )
            for claim in claims
        )

    hints = [mapping_key for mapping in evidence for mapping_key in list(mapping)[:1]]
    return _profile(
        name,
        confirmation,
        order or [tuple(elements)],
        elements,
        required=required,
        may_be_empty=may_be_empty,
        hints=hints,
    )


_NUMBER = r"[0-9]+"
#: Tried when no declared format's profile applies or finds a reading: the whole vocabulary, any order, any value
#: possibly empty.
GENERIC_PROFILE = _profile(
    "generic", None, [tuple(DATA_IDENTIFIERS)], dict.fromkeys(DATA_IDENTIFIERS), may_be_empty=DATA_IDENTIFIERS
)

#: Longest run-together record that ``segment_elements`` tries (real labels are far shorter), how many search
#: steps it takes at most, and how many readings it returns at most: the search stays cheap on hostile input.
MAX_RUN_TOGETHER = 512
_MAX_STEPS = 20_000
_FREE_SHAPES = frozenset({r".*", r".+"})
# How far a shaped value can reach at most (the shape's characters, repeated): a cheap bound before fullmatch.
_SHAPE_REACH: Mapping[str, re.Pattern[str]] = {
    shape: re.compile(reach)
    for shape, reach in {
        _NUMBER: r"[0-9]*",
        VALUE_SHAPES["Q"]: r"[0-9.,]*",
        VALUE_SHAPES["D"]: r"[0-9]{0,6}",
        VALUE_SHAPES["9D"]: r"[0-9]{0,4}",
        VALUE_SHAPES["6D"]: r"[0-9]{0,8}",
        VALUE_SHAPES["4L"]: r"[A-Z]{0,2}",
    }.items()
}

#: One way to read a run-together record: its elements in order.
Reading = tuple[EciaElement, ...]


def segment_elements(body: str, profiles: tuple[SegmentationProfile, ...] = ()) -> tuple[Reading, ...]:
    """Re-split a format ``06`` record whose GS separators were dropped: ``"P497-1-ND1PSTM32Q25"`` ->
    ``P``, ``1P``, ``Q``.

    ``profiles`` are the installed label formats' (``FormatRegistry.segmentation_profiles``). Returns every
    reading the applicable profiles allow (see :class:`SegmentationProfile`), the most elements
    first, at most a handful: one reading when the label reads one way, several when it is ambiguous, none when
    nothing fits; ``MAX_READINGS + 1`` readings mean it reads more ways than are listed. Bounded: a record longer
    than ``MAX_RUN_TOGETHER`` characters is not tried, and a search that takes too many steps gives up (none).
    """
    return segment_readings(body, profiles)[0]


def segment_readings(body: str, profiles: tuple[SegmentationProfile, ...] = ()) -> tuple[tuple[Reading, ...], bool]:
    """:func:`segment_elements`, and whether the search was complete: ``False`` when it ran out of steps, so
    that the body may read more ways than the readings returned (possibly none): an ambiguity, not "no label"."""
    if not body or len(body) > MAX_RUN_TOGETHER:
        return (), True
    return _segment_cached(body, profiles)


@lru_cache(maxsize=256)
def _segment_cached(body: str, profiles: tuple[SegmentationProfile, ...]) -> tuple[tuple[Reading, ...], bool]:
    applicable = [profile for profile in profiles if profile.applies(body)]
    readings: list[Reading] = []
    complete = True
    for profile in applicable:
        found, finished = _segment_with(body, profile)
        complete = complete and finished
        for reading in found:
            if profile.confirms(reading) and reading not in readings:
                readings.append(reading)
                # A profile that fits only by swallowing an element it does not print into a value: the reading
                # with that element split out is as good (two readings: ambiguous, never a guess).
                split = _split_foreign_element(reading, profile)
                if split is not None and split not in readings:
                    readings.append(split)
    if not readings:
        readings, complete = _segment_with(body, GENERIC_PROFILE)
    readings.sort(key=lambda reading: (sum(1 for element in reading if not element.value), -len(reading)))
    return tuple(readings[: MAX_READINGS + 1]), complete


# A digit-prefixed data identifier inside a value ("Littelfuse Inc.1TBBBBBB"): words rarely hold one by chance.
_DIGIT_IDENTIFIER = re.compile(r"(?<=.)([1-9][0-9]{0,2}[A-Z])")


def _split_foreign_element(reading: Reading, profile: SegmentationProfile) -> Reading | None:
    """The reading with the first known DI the profile does not print split out of the value that holds it, or
    ``None``: a manufacturer ``1V`` = ``Littelfuse Inc.1TBBBBBB`` may be ``1V`` then lot ``1T``."""
    for index, element in enumerate(reading):
        for match in _DIGIT_IDENTIFIER.finditer(element.value):
            identifier = match.group(1)
            if identifier in DATA_IDENTIFIERS and identifier not in profile.shapes:
                head = EciaElement(element.identifier, element.value[: match.start()])
                tail = EciaElement(identifier, element.value[match.end() :])
                return (*reading[:index], head, tail, *reading[index + 1 :])
    return None


# Where an element starts, where its value starts, where it ends.
Span = tuple[int, int, int]
# A reading under construction: its first span and the rest of the chain (None at the end).
Chain = tuple[Span, "Chain"] | None


def _segment_with(body: str, profile: SegmentationProfile) -> tuple[list[Reading], bool]:
    """Every reading of ``body`` the profile allows, the most elements first (at most ``MAX_READINGS`` + 1), and
    whether the search finished (``False``: it ran out of steps)."""
    starts = {match.start(): match.group(1) for match in profile.starts.finditer(body)}
    if 0 not in starts:
        return [], True
    boundaries = [*sorted(starts), len(body)]
    rank, bits, required, at_least = profile.rank, profile.bits, profile.required_mask, profile.rank_at_least
    # Each DI at most once. Only the used DIs that can still occur at or after a start (and that the print order
    # still allows) matter to the rest of the reading, so the memo key forgets the others; a reading that misses a
    # required DI which can no longer occur is abandoned at once. Sets of DIs are bit masks (see the profile).
    still_possible: dict[int, int] = {}
    seen = 0
    for index in range(len(boundaries) - 2, -1, -1):
        seen |= bits[starts[boundaries[index]]]
        still_possible[boundaries[index]] = seen
    # A reading is kept with its plausibility: (empty values, -elements), fewest empty values first, then most
    # elements. Both add up element by element, so keeping each search state's best few tails keeps the best few
    # readings overall. A reading is built as a chain of (span, rest) cells: extending a tail costs one small tuple.
    memo: dict[tuple[int, int, int], list[tuple[int, int, Chain]]] = {}
    # Per start: its DI, the DI's rank and bit, and the DIs that may still follow it there.
    node = {
        start: (identifier, rank[identifier], bits[identifier], still_possible[start] & at_least[rank[identifier]])
        for start, identifier in starts.items()
    }
    ends_at: dict[int, list[int]] = {}
    steps = 0
    end_of_body = len(body)

    def solve(start: int, used: int, key: tuple[int, int, int]) -> list[tuple[int, int, Chain]]:
        # The best readings of body[start:], given the DIs used before, as scored chains of spans. ``key`` is the
        # memo key of this state (see key_of); the callers look the memo up first, which saves most calls.
        nonlocal steps
        identifier, here, bit, allowed = node[start]
        now_used = used | bit
        missing = key[2]
        found: list[tuple[int, int, Chain]] = []
        if not missing & ~allowed:
            value_start = start + len(identifier)
            ends = ends_at.get(start)
            if ends is None:  # where this element's value may end does not depend on the DIs used before it
                ends = ends_at[start] = _value_ends(body, start, identifier, profile, boundaries)
            for end in ends:
                steps += 1
                if steps > _MAX_STEPS:
                    raise _Exhausted
                span = (start, value_start, end)
                empty = 1 if value_start == end else 0
                if end == end_of_body:
                    if not missing:
                        found.append((empty, -1, (span, None)))
                    continue
                _, following_rank, following_bit, following_allowed = node[end]
                if following_bit & now_used or following_rank < here:
                    continue
                following_missing = required & ~(now_used | following_bit)
                if following_missing & ~following_allowed:
                    continue  # a required DI can no longer occur after ``end``: no reading that way
                child = (end, now_used & following_allowed, following_missing)
                tails = memo.get(child)
                if tails is None:
                    tails = solve(end, now_used, child)
                found.extend([(empties + empty, count - 1, (span, tail)) for empties, count, tail in tails])
            if len(found) > 1:
                found.sort(key=_PLAUSIBILITY)  # stable: equally plausible readings keep the order they were found
        found = memo[key] = found[: MAX_READINGS + 1]
        return found

    try:
        scored = solve(0, 0, (0, 0, required & ~node[0][2]))
    except _Exhausted:
        return [], False
    readings: list[Reading] = []
    for _, _, chain in scored:
        elements = []
        while chain is not None:
            (a, v, b), chain = chain
            elements.append(EciaElement(body[a:v], body[v:b]))
        readings.append(tuple(elements))
    return readings, True


_PLAUSIBILITY = itemgetter(0, 1)


class _Exhausted(Exception):
    """The segmentation search ran out of steps."""


def _value_ends(
    body: str, start: int, identifier: str, profile: SegmentationProfile, boundaries: list[int]
) -> list[int]:
    # Where the value of the element at ``start`` may end: a later element's start, or the end of the body.
    value_start = start + len(identifier)
    first = bisect_left(boundaries, value_start)
    candidates = boundaries[first:]
    empty_ok = identifier in profile.may_be_empty
    if candidates and candidates[0] == value_start and not empty_ok:
        candidates = candidates[1:]
    shape = profile.shapes[identifier]
    if shape.pattern in _FREE_SHAPES:
        return candidates
    reach = _SHAPE_REACH.get(shape.pattern)
    limit = value_start + len(reach.match(body, value_start).group()) if reach else len(body)  # type: ignore[union-attr]
    ends: list[int] = []
    for end in candidates:
        if end > limit:
            break
        if (end == value_start and empty_ok) or shape.fullmatch(body, value_start, end):
            ends.append(end)
    return ends
