"""Labels shaped like those of vendors beyond the bundled four, and odd real-world variants of the bundled ones.

Made up (no real order, part or lot numbers), but each carries the identifiers and value shapes its vendor
prints: the mix a decoder meets in the field. ``EXPECTED`` holds what each must decode to.
"""

from __future__ import annotations

from typing import Any

from sample_labels import EOT, GS, RS


def ecia(*elements: str, trailer: str = RS + EOT, record_format: str = "06") -> str:
    """An EIGP-114 label with these data elements."""
    return f"[)>{RS}{record_format}{GS}" + GS.join(elements) + trailer


FIELD_LABELS: dict[str, str] = {
    # Farnell: its order code in P (the standard's customer part number), the buyer's PO, PO line 4K, 10D.
    "farnell": ecia("K4500123456", "1K1234567890", "4K10", "P2345678", "1PBC547B", "Q100", "10D2241", "1TLOT77",
                    "4LPH", "1VONSEMI"),
    # Arrow: 9D date code, packing list 11K last, no trailer.
    "arrow": ecia("KPO-7731", "1K55512345", "4K2", "1PLM317T", "Q250", "9D2318", "1TA2318X", "4LCN",
                  "1VSTMicroelectronics", "11K778899", trailer=""),
    # Texas Instruments reel: revision 2P, second lot 31T, die/assembly sites and countries 20L-23L, serial S.
    "ti": ecia("KPO-88", "1PLM358DR", "Q2500", "10D2301", "1T2301ABC", "4LMY", "2PA", "31T123456", "20LKDP",
               "21LTX", "22LUS", "23LMY", "S123456789"),
    # RS: its stock number in P, production date 16D, RS only as trailer.
    "rs": ecia("K4500012345", "1K1234567", "P123-4567", "1PNE555P", "Q10", "16D20240115", "4LCN", trailer=RS),
    # Würth: numeric MPN, 9D and a lot that looks like a date code.
    "wurth": ecia("KPO-99", "1P885012206095", "Q4000", "1T2231", "9D2231", "4LDE", "1VWurth Elektronik"),
    # Newark: its order code in P, 10D last.
    "newark": ecia("KPO-100", "1K987654", "4K1", "P95W1234", "1PTL431AIDBZR", "Q50", "4LCN", "10D2250"),
    # Avnet: a four-digit line number, serial number, ship date 6D.
    "avnet": ecia("KPO-200", "1K1111", "4K0001", "1PXC7Z020-1CLG400C", "Q1", "S4000001", "6D20260101", "4LTW"),
    # Two records in one envelope.
    "two-records": f"[)>{RS}06{GS}KPO-7{GS}1PLM358DR{GS}Q100{RS}06{GS}1T2319ABC{GS}10D2319{RS}{EOT}",
    # GS1 application identifiers (format 05): GTIN 01, lot 10, expiry 17.
    "gs1-05": ecia("0109501101530003", "10ABC123", "17261231", record_format="05"),
    # Digi-Key: the buyer's own part number in P, Digi-Key's in 30P (newer labels), printed after 1P.
    "digikey-customer-part": ecia("PMYPART-0001", "1PLM358DR", "30P296-1395-1-ND", "KPO-55", "1K81234999",
                                  "10K98765999", "11K1", "4LPH", "Q10", "11ZPICK", "12Z1234567", "13Z999999",
                                  "20Z0000000000", trailer=""),
    # Mouser's old broken header: a stray ">" and no RS.
    "mouser-old-header": f">[)>06{GS}KPO-0042{GS}14K004{GS}1PLM317T{GS}Q5{GS}11K012345679{GS}4LUS"
                         f"{GS}1VTexas Instruments{RS}{EOT}",
    # LCSC: another order prefix, "null" and extra keys of a newer label generation.
    "lcsc-odd": "{pbn:PICK2401010001,on:WM2401010001,pc:C8734,pm:STM32F103C8T6,qty:10,mc:,cc:1,pdi:123456,"
                "hp:null,wc:ZH,sa:1}",
    # TME QR: free words between the keys and the URL.
    "tme-words": "QTY:50 PN:NE555D-STM PO:31234567/2 CPO:PO-2025-0003 MFR:STM MPN:NE555D Lead free RoHS "
                 "compliant https://www.tme.eu/details/ne555d-stm",
}  # fmt: skip

#: What each label decodes to (the fields worth checking; ``plugin`` ``ecia`` is the generic decoder).
EXPECTED: dict[str, dict[str, Any]] = {
    "farnell": {"plugin": "ecia", "customer_part_number": "2345678", "manufacturer_part_number": "BC547B",
                "purchase_order": "4500123456", "purchase_order_line": "10", "date_code": "2241", "quantity": 100},
    "arrow": {"plugin": "ecia", "supplier_order_number": "55512345", "purchase_order_line": "2",
              "date_code": "2318", "packing_list_number": "778899", "quantity": 250},
    "ti": {"plugin": "ecia", "manufacturer_part_number": "LM358DR", "quantity": 2500, "lot_code": "2301ABC",
           "country_of_origin": "MY", "serial_number": "123456789", "fields.31T": "123456", "fields.21L": "TX"},
    "rs": {"plugin": "ecia", "customer_part_number": "123-4567", "quantity": 10, "fields.16D": "20240115"},
    "wurth": {"plugin": "ecia", "manufacturer_part_number": "885012206095", "lot_code": "2231", "date_code": "2231",
              "manufacturer": "Wurth Elektronik", "quantity": 4000},
    "newark": {"plugin": "ecia", "customer_part_number": "95W1234", "date_code": "2250", "quantity": 50},
    "avnet": {"plugin": "ecia", "purchase_order_line": "0001", "serial_number": "4000001",
              "ship_date": "2026-01-01", "quantity": 1},
    "two-records": {"plugin": "ecia", "purchase_order": "PO-7", "lot_code": "2319ABC", "date_code": "2319",
                    "quantity": 100},
    "gs1-05": {"plugin": "ecia", "lot_code": "ABC123", "fields.01": "09501101530003"},
    "digikey-customer-part": {"plugin": "digikey", "supplier_part_number": "296-1395-1-ND",
                              "customer_part_number": "MYPART-0001", "purchase_order": "PO-55", "quantity": 10},
    "mouser-old-header": {"plugin": "mouser", "purchase_order_line": "004", "manufacturer_part_number": "LM317T",
                          "quantity": 5},
    "lcsc-odd": {"plugin": "lcsc", "supplier_part_number": "C8734", "supplier_order_number": "WM2401010001",
                 "fields.hp": "null", "fields.sa": "1", "quantity": 10},
    "tme-words": {"plugin": "tme", "supplier_part_number": "NE555D-STM", "purchase_order": "PO-2025-0003",
                  "purchase_order_line": "2", "supplier_order_number": "31234567", "quantity": 50},
}  # fmt: skip
