"""The OpenAPI document fuzzed with schemathesis against a real server: no 5xx, every response matches the schema
the document declares for its status, every status is declared. Every phase runs once (coverage, then 25 fuzzed
cases per operation, then stateful sequences) from a fixed seed, so each run tries the same cases whatever the
machine's load; the summary is kept under ``tests/artifacts/``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from http_server import ORDERS_CSV, Server, make_token

ARTIFACTS = Path(__file__).parent / "artifacts"
#: Seconds the whole schemathesis run may take before the test fails (it takes about 15 s on an idle machine).
TIMEOUT = 240


def schemathesis_command() -> str:
    found = Path(sys.executable).with_name("st")
    command = str(found) if found.exists() else shutil.which("st")
    if command is None:
        pytest.fail("schemathesis is missing: the dev extra installs it")
    return command


@pytest.mark.slow
def test_the_openapi_document_survives_fuzzing(tmp_path: Path) -> None:
    db = tmp_path / "fuzz.db"
    token = make_token(db)
    with Server(db) as server:
        assert server.request("POST", "/api/order/po/import/", {"csv": ORDERS_CSV}, token=token)[0] == 200
        result = subprocess.run(
            [
                schemathesis_command(),
                "run",
                server.base + "/openapi.json",
                "--header",
                f"Authorization: Token {token}",
                "--checks",
                "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
                "--max-examples",
                "25",
                "--seed",
                "16",
                "--generation-database",
                "none",
                "--request-timeout",
                "30",
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            cwd=tmp_path,  # schemathesis keeps a cache directory in its working directory
        )
        server_log = server.log.read_text()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "schemathesis.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "passed" in result.stdout
    assert "internal error" not in server_log  # the server logged no unhandled exception either
