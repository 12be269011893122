"""LCSC labels: the QR code on LCSC bags, a brace-wrapped list of lowercase ``key:value`` pairs::

    {pbn:PICK2311070042,on:SO2311070042,pc:C25804,pm:0603WAF1002T5E,qty:100,mc:,cc:1,pdi:98765432,hp:0,wc:JS}

``pc`` is LCSC's part number (``C`` + digits), ``pm`` the MPN, ``qty`` the quantity, ``on`` LCSC's order number
and ``pbn`` the picking batch the bag was packed in. Other keys come and go between label generations; every key
is kept in ``fields``, known or not, and values may be empty.
"""

from __future__ import annotations

import re
from typing import Any

from barcode_plugins import Decoded, LabelFormat, hookimpl
from barcode_plugins.formats.ecia import fields_from_pairs, parse_quantity

PLUGIN = "lcsc"
SUPPLIER = "LCSC"
_KEY = re.compile(r"[a-z][a-z0-9_]*\Z")
#: An LCSC part number. A brace list without one in ``pc`` is not an LCSC label (nor is ``{"stockitem": 42}``).
_LCSC_PART_NUMBER = re.compile(r"C[0-9]+\Z")
# A label whose values hold no space, comma or brace (almost all): read by _PAIR alone, same result as the loop.
_PLAIN_LABEL = re.compile(r"\{[a-z][a-z0-9_]*:[^,\s{}]*(?:,[a-z][a-z0-9_]*:[^,\s{}]*)*\}\Z")
_PAIR = re.compile(r"([a-z][a-z0-9_]*):([^,\s{}]*)")
#: How an LCSC label starts: a brace and a lowercase key with its colon (``{pbn:``). What routes a scan to this
#: plugin, and what shows a scan typed through another keyboard layout (``{`` and ``:`` move on most layouts).
LABEL_FORMAT = LabelFormat.text(PLUGIN, start=r"\{[a-z][a-z0-9_]{0,15}:")
#: An LCSC label carries about ten pairs; text with far more is not one (refused early: decode stays fast).
MAX_PAIRS = 64


def read_label(text: str) -> dict[str, str] | None:
    """The label's pairs in order (``{"pbn": "PICK...", "on": "SO...", ...}``); ``None`` if it is not LCSC's."""
    if len(text) < 2 or text[0] != "{" or text[-1] != "}":
        return None
    if _PLAIN_LABEL.match(text):  # no spaces and no commas in values: the pairs in one regex scan
        found = _PAIR.findall(text)
        fields = fields_from_pairs(found) if len(found) <= MAX_PAIRS else None
    else:
        fields = read_pairs(text)
    if fields is None or not _LCSC_PART_NUMBER.match(fields.get("pc", "")):
        return None
    return fields


def read_pairs(text: str) -> dict[str, str] | None:
    """Every ``key:value`` pair of a brace list, whatever its values hold; ``None`` if it is not one."""
    pairs: list[tuple[str, list[str]]] = []
    for piece in text[1:-1].split(","):
        key, colon, value = piece.partition(":")
        if colon and _KEY.match(key.strip()):
            if len(pairs) == MAX_PAIRS:
                return None
            pairs.append((key.strip(), [value]))
        elif pairs:
            # No "key:" in front: the previous value held a comma (NXP-style MPN "pm:BAT54S,215").
            pairs[-1][1].append(piece)
        else:
            return None
    return fields_from_pairs([(key, ",".join(pieces).strip()) for key, pieces in pairs])


@hookimpl
def decode(text: str) -> Decoded | None:
    """Decode an LCSC QR label; ``None`` for any other text."""
    fields = read_label(text)
    if fields is None:
        return None
    return Decoded(
        plugin=PLUGIN,
        kind="supplier",
        supplier=SUPPLIER,
        supplier_part_number=fields["pc"],
        manufacturer_part_number=fields.get("pm") or None,
        quantity=parse_quantity(fields.get("qty")),
        supplier_order_number=fields.get("on") or None,
        packing_list_number=fields.get("pbn") or None,
        fields=fields,
    )


@hookimpl
def label_formats() -> list[LabelFormat]:
    """LCSC's brace list of lowercase ``key:value`` pairs."""
    return [LABEL_FORMAT]


@hookimpl
def barcode_examples() -> Any:
    """LCSC labels with keys present or absent, reordered, unknown keys, empty values and commas in the MPN."""
    from hypothesis import strategies as st  # lazy: only the test suites need hypothesis

    from barcode_plugins import Example

    known_values = {
        "pbn": st.from_regex(r"PICK[0-9]{10}", fullmatch=True),
        "on": st.from_regex(r"(SO|WM)[0-9]{10}", fullmatch=True),
        "pm": st.from_regex(r"[A-Z0-9][A-Z0-9\-/.#+()]{0,20}(,[0-9]{3})?", fullmatch=True)
        | st.sampled_from(["BAT54S,215", "PESD5V0S1BA,115", "ABC:1"]),
        "qty": st.integers(1, 10**7).map(str),
        "mc": st.from_regex(r"[A-Z0-9]{0,6}", fullmatch=True),
        "cc": st.sampled_from(["0", "1", "2"]),
        "pdi": st.from_regex(r"[0-9]{6,10}", fullmatch=True),
        "hp": st.sampled_from(["0", "1"]),
        "wc": st.sampled_from(["JS", "ZH", "HK", ""]),
    }
    unknown_keys = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True).filter(
        lambda key: key not in known_values and key != "pc"
    )

    @st.composite
    def examples(draw: Any) -> Example:
        pairs = [("pc", draw(st.integers(1, 10**7).map("C{}".format)))]
        for key, values in known_values.items():
            if draw(st.booleans()):
                pairs.append((key, draw(st.just("") | values)))
        extra = draw(st.lists(unknown_keys, max_size=3, unique=True))
        pairs += [(key, draw(st.from_regex(r"[A-Za-z0-9_.-]{0,12}", fullmatch=True))) for key in extra]
        pairs = draw(st.permutations(pairs))
        text = "{" + ",".join(f"{key}:{value}" for key, value in pairs) + "}"
        fields = dict(pairs)
        expected = Decoded(
            plugin=PLUGIN,
            kind="supplier",
            supplier=SUPPLIER,
            supplier_part_number=fields["pc"],
            manufacturer_part_number=fields.get("pm") or None,
            quantity=int(fields["qty"]) if fields.get("qty") else None,
            supplier_order_number=fields.get("on") or None,
            packing_list_number=fields.get("pbn") or None,
            fields=fields,
        )
        return Example(text, expected)

    return examples()
