"""The HTTP API through a real ``barcode-plugins serve`` process on loopback."""

from __future__ import annotations

import inspect
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from http_server import ORDERS_CSV, Server, make_token
from sample_labels import DIGIKEY, GS, MOUSER, RS

from barcode_plugins import Engine
from barcode_plugins.cli import _register_commands, cli


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """One server (reads closed) for the module, and a token for it."""
    db = tmp_path_factory.mktemp("http") / "store.db"
    token = make_token(db)
    with Server(db) as server:
        status, _ = server.request("POST", "/api/order/po/import/", {"csv": ORDERS_CSV}, token=token)
        assert status == 200
        yield server, token


def test_health_is_open_and_names_the_schema(served: tuple[Server, str]) -> None:
    server, _ = served
    status, body = server.request("GET", "/api/health/")
    assert status == 200 and body["status"] == "ok" and body["open_reads"] is False
    assert body["schema_version"] >= 3


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/barcode/", {"barcode": "x"}),
        ("POST", "/api/barcode/decode/", {"barcode": "x"}),
        ("GET", "/api/barcode/history/", None),
        ("GET", "/api/order/po/", None),
        ("GET", "/api/plugins/", None),
        ("POST", "/api/barcode/link/", {"barcode": "x", "item": "part:1"}),
        ("POST", "/api/barcode/po-receive/", {"barcode": DIGIKEY}),
    ],
)
def test_without_a_token_everything_but_health_is_refused(
    served: tuple[Server, str], method: str, path: str, body: object
) -> None:
    server, _ = served
    status, answer = server.request(method, path, body)
    assert status == 401 and "token" in answer["error"]
    status, answer = server.request(method, path, body, token="bp_not-a-real-token")
    assert status == 401 and answer["error"] == "invalid or revoked token"


def test_scan_link_unlink_in_ours_and_inventrees_forms(served: tuple[Server, str]) -> None:
    server, token = served
    status, body = server.request("POST", "/api/barcode/", {"barcode": "REEL-HTTP-1"}, token=token)
    assert status == 404 and body["error"] == "No match found for barcode data"
    assert body["barcode_data"] == "REEL-HTTP-1" and len(body["barcode_hash"]) == 64

    status, body = server.request("POST", "/api/barcode/link/", {"barcode": "REEL-HTTP-1", "part": 5}, token=token)
    assert status == 200 and body["links"][0]["item"] == "part:5"
    status, body = server.request("POST", "/api/barcode/", {"barcode": "REEL-HTTP-1"}, token=token)
    assert status == 200 and body["item"] == "part:5" and body["part"] == {"pk": 5}
    assert body["success"] == "linked to part:5"

    status, body = server.request(
        "POST", "/api/barcode/link/", {"barcode": "REEL-HTTP-1", "item": "part:9"}, token=token
    )
    assert status == 409 and "already linked to part:5" in body["error"]
    status, body = server.request(
        "POST", "/api/barcode/link/", {"barcode": "REEL-HTTP-2", "item": "part:9", "part": 9}, token=token
    )
    assert status == 400 and "give one item" in body["error"]

    # An item type of its own (types are open-ended) does not become a key that could shadow another.
    status, _ = server.request("POST", "/api/barcode/link/", {"barcode": "BIN-7", "item": "link:7"}, token=token)
    assert status == 200
    status, body = server.request("POST", "/api/barcode/", {"barcode": "BIN-7"}, token=token)
    assert status == 200 and body["item"] == "link:7" and body["link"]["item"] == "link:7"

    status, body = server.request("POST", "/api/barcode/unlink/", {"part": 5}, token=token)
    assert status == 200 and [link["item"] for link in body["links"]] == ["part:5"]
    status, body = server.request("POST", "/api/barcode/unlink/", {"barcode": "REEL-HTTP-1"}, token=token)
    assert status == 404 and "not linked" in body["error"]


def test_decode_gives_the_contract_keys_with_real_separators(served: tuple[Server, str]) -> None:
    server, token = served
    status, body = server.request("POST", "/api/barcode/decode/", {"barcode": MOUSER}, token=token)
    assert status == 200 and body["plugin"] == "mouser" and body["raw"] == MOUSER
    with Engine(":memory:") as engine:
        assert body["barcode_hash"] == engine.decode(MOUSER).barcode_hash


def test_receive_outcomes_have_distinct_statuses_and_undo_restores(served: tuple[Server, str]) -> None:
    server, token = served
    receive = "/api/barcode/po-receive/"
    other = DIGIKEY.replace(f"{GS}Q25{GS}", f"{GS}Q7{GS}")  # another bag of the same part: a distinct label
    no_quantity = DIGIKEY.replace(f"{GS}Q25", "").replace("13Z123456", "13Z999")

    status, body = server.request("POST", receive, {"barcode": DIGIKEY}, token=token)
    assert status == 200 and body["status"] == "received" and body["outstanding"] == 5 and body["success"]
    status, body = server.request("POST", receive, {"barcode": DIGIKEY}, token=token)
    assert status == 409 and body["status"] == "already_received" and body["error"] == body["message"]
    status, body = server.request("POST", receive, {"barcode": other}, token=token)
    assert status == 422 and body["status"] == "over_receipt"
    status, body = server.request("POST", receive, {"barcode": no_quantity}, token=token)
    assert status == 428 and body["status"] == "needs_quantity"
    status, body = server.request("POST", receive, {"barcode": MOUSER}, token=token)
    assert status == 404 and body["status"] == "no_match"
    status, body = server.request("POST", receive, {"barcode": "not a label"}, token=token)
    assert status == 400 and body["status"] == "not_recognised"

    status, body = server.request("POST", "/api/barcode/undo/", {"barcode": DIGIKEY}, token=token)
    assert status == 200 and body["status"] == "undone" and body["outstanding"] == 30
    status, body = server.request("POST", receive, {"barcode": other, "quantity": 7, "location": "bin 3"}, token=token)
    assert status == 200 and body["quantity"] == 7 and "bin 3" in body["message"]
    status, order = server.request("GET", "/api/order/po/PO-DK-1/", token=token)
    assert status == 200 and order["lines"][0]["received"] == 7 and order["lines"][0]["outstanding"] == 23

    status, body = server.request("GET", "/api/barcode/history/?action=undo&limit=5", token=token)
    assert status == 200 and [entry["action"] for entry in body] == ["undo"]


@pytest.mark.parametrize(
    ("method", "path", "raw", "status", "needle"),
    [
        ("GET", "/no/such/path", None, 404, "Not Found"),
        ("GET", "/api/barcode/", None, 405, "Method Not Allowed"),
        ("POST", "/api/barcode/", b"{not json", 400, "JSON is malformed"),
        ("POST", "/api/barcode/", b'{"barcode": 5}', 400, "barcode"),
        ("POST", "/api/barcode/", b'{"barcode": ""}', 400, "barcode"),
        ("POST", "/api/barcode/", b'{"barcode": "' + b"A" * 9000 + b'"}', 400, "barcode"),
        ("POST", "/api/barcode/", b'{"barcode": "' + b"A" * 70_000 + b'"}', 413, ""),
        ("POST", "/api/barcode/", b'{"barcode": "a\\u0000b"}', 400, "NUL"),
        ("GET", "/api/barcode/history/?limit=0", None, 400, "limit"),
        ("POST", "/api/barcode/undo/", b"{}", 400, "give one of"),
    ],
)
def test_every_error_is_json_without_a_traceback(
    served: tuple[Server, str], method: str, path: str, raw: bytes | None, status: int, needle: str
) -> None:
    server, token = served
    got, body = server.request(method, path, raw=raw, token=token)
    assert got == status, body
    assert isinstance(body, dict) and body["status_code"] == status and needle in body["error"]
    assert "Traceback" not in str(body) and 'File "' not in str(body)


def test_plugins_orders_and_the_openapi_document(served: tuple[Server, str]) -> None:
    server, token = served
    status, body = server.request("GET", "/api/plugins/", token=token)
    assert status == 200 and {"digikey", "mouser", "lcsc", "tme"} <= {plugin["name"] for plugin in body}
    status, body = server.request("GET", "/api/order/po/?status=placed", token=token)
    assert status == 200 and [order["reference"] for order in body] == ["PO-DK-1"]
    status, body = server.request("GET", "/openapi.json")
    assert status == 200 and body["openapi"].startswith("3.")
    assert {"/api/barcode", "/api/barcode/po-receive", "/api/health"} <= set(body["paths"])
    status, page = server.request("GET", "/")
    assert status == 200 and "station.js" in page


def test_responses_carry_the_security_headers(served: tuple[Server, str]) -> None:
    server, _ = served
    with urllib.request.urlopen(server.base + "/") as response:
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_reads_open_with_the_flag_but_writes_still_need_a_token(tmp_path: Path) -> None:
    with Server(tmp_path / "open.db", "--open-reads") as server:
        status, body = server.request("POST", "/api/barcode/decode/", {"barcode": f"[)>{RS}06{GS}1PX{GS}Q1"})
        assert status == 200 and body["quantity"] == 1
        status, body = server.request("GET", "/api/barcode/history/")
        assert status == 200
        status, body = server.request("POST", "/api/barcode/link/", {"barcode": "abc", "item": "part:1"})
        assert status == 401


def test_a_revoked_token_is_refused_at_once(tmp_path: Path) -> None:
    db = tmp_path / "revoke.db"
    token = make_token(db, "station-1")
    with Server(db) as server:
        assert server.request("GET", "/api/barcode/history/", token=token)[0] == 200
        _register_commands()
        result = CliRunner().invoke(cli, ["--db", str(db), "token", "revoke", "station-1"])
        assert result.exit_code == 0, result.output
        assert server.request("GET", "/api/barcode/history/", token=token)[0] == 401


def test_importing_the_cli_does_not_import_the_http_stack() -> None:
    code = (
        "import sys; from barcode_plugins.cli import _register_commands; _register_commands(); "
        "print(sorted(m for m in ('litestar', 'uvicorn', 'msgspec', 'barcode_plugins.web.app') if m in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def test_serve_without_the_extra_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if the extra were not installed
    _register_commands()
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "s.db"), "serve"])
    assert result.exit_code == 2
    assert "barcode-plugins[server]" in result.output and "Traceback" not in result.output


def test_serve_on_an_unusable_store_fails_before_listening(tmp_path: Path) -> None:
    _register_commands()
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "missing" / "s.db"), "serve", "--port", "1"])
    assert result.exit_code == 2 and "does not exist" in result.output and "Traceback" not in result.output


def test_history_filters_apply_or_are_refused_by_name(served: tuple[Server, str]) -> None:
    server, token = served
    status, body = server.request("GET", "/api/barcode/history/?status=received&limit=1000", token=token)
    if "status" in inspect.signature(Engine.history).parameters:  # an engine with the history filters
        assert status == 200 and {entry["status"] for entry in body} <= {"received"}
    else:
        assert status == 400 and "'status' is not supported" in body["error"]
