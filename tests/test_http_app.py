"""The application in-process (Litestar's test client): what a real server process cannot be made to do on
purpose, such as a bug inside a handler or a store that fails, or an engine that explains its outcomes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from http_server import ORDERS_CSV, ExplainingEngine
from litestar.testing import TestClient
from sample_labels import DIGIKEY

from barcode_plugins import Engine
from barcode_plugins.errors import EnvironmentFault
from barcode_plugins.files.po_files import parse_csv
from barcode_plugins.models import ScanResult
from barcode_plugins.web.app import create_app


class BrokenEngine(Engine):
    """An engine whose scan fails the way the test asks."""

    failure: Exception = RuntimeError("boom /secret/path")

    def scan(self, raw: str) -> ScanResult:
        raise self.failure


@pytest.fixture
def client() -> Iterator[tuple[TestClient, BrokenEngine, dict[str, str]]]:
    engine = BrokenEngine(":memory:")
    token = engine.create_api_token("t")[1]
    with TestClient(create_app(engine)) as test_client:
        yield test_client, engine, {"Authorization": f"Token {token}"}
    engine.close()


def test_a_bug_is_a_json_500_that_reveals_nothing(
    client: tuple[TestClient, BrokenEngine, dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    test_client, _, headers = client
    response = test_client.post("/api/barcode/", json={"barcode": "x"}, headers=headers)
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "internal error (RuntimeError); the server log has the details"
    assert "/secret/path" not in response.text and "Traceback" not in response.text
    assert "boom /secret/path" in caplog.text  # the server's log keeps what the client is not shown


def test_a_failing_store_is_503(client: tuple[TestClient, BrokenEngine, dict[str, str]]) -> None:
    test_client, engine, headers = client
    engine.failure = EnvironmentFault("disk full")
    response = test_client.post("/api/barcode/", json={"barcode": "x"}, headers=headers)
    assert response.status_code == 503 and response.json()["error"] == "disk full"


@pytest.mark.parametrize(
    ("explain", "on_success", "on_failure"),
    [(None, False, True), (True, True, True), (False, False, False)],
)
def test_explanations_when_asked_and_on_failures(
    tmp_path: Path, explain: bool | None, on_success: bool, on_failure: bool
) -> None:
    engine = ExplainingEngine(tmp_path / "e.db")
    token = engine.create_api_token("t")[1]
    engine.import_purchase_orders(parse_csv(ORDERS_CSV))
    options = {} if explain is None else {"explain": explain}
    with TestClient(create_app(engine)) as test_client:
        headers = {"Authorization": f"Token {token}"}
        received = test_client.post("/api/barcode/po-receive/", json={"barcode": DIGIKEY, **options}, headers=headers)
        refused = test_client.post("/api/barcode/po-receive/", json={"barcode": DIGIKEY, **options}, headers=headers)
    engine.close()
    assert received.status_code == 200 and ("explanation" in received.json()) == on_success
    assert refused.status_code == 409 and ("explanation" in refused.json()) == on_failure
    if on_failure:
        assert "digikey" in json.dumps(refused.json()["explanation"])
