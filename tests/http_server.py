"""A real ``barcode-plugins serve`` process on loopback for the HTTP tests: start, wait until it answers, kill."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import attrs
from conftest import cli_path

from barcode_plugins import Engine
from barcode_plugins.models import ReceiveResult

ORDERS_CSV = (
    "reference,supplier,supplier_reference,status,line,sku,mpn,manufacturer,quantity,destination\n"
    "PO-DK-1,digikey,81234567,placed,1,497-1234-1-ND,STM32F103C8T6,STMicroelectronics,30,shelf A1\n"
)


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_token(db: Path, name: str = "tests") -> str:
    """A live API token in the store at ``db``."""
    with Engine(db) as engine:
        return engine.create_api_token(name)[1]


class Server:
    """``barcode-plugins --db DB serve --port PORT [args]`` in a subprocess."""

    def __init__(self, db: Path, *args: str, port: int | None = None) -> None:
        self.db = db
        self.args = args
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = db.with_suffix(f".{self.port}.log")

    def start(self, timeout: float = 60.0) -> Server:
        """Start and wait until ``/api/health/`` answers."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("BARCODE_PLUGINS_DB", None)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [cli_path(), "--db", str(self.db), "serve", "--port", str(self.port), *self.args],
                stdout=log,
                stderr=log,
                env=env,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/api/health/", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout} s: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine loses the process."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL after 15 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """One request: ``(status, parsed JSON body)`` (the text itself if the body is not JSON)."""
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Token {token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        try:
            return status, json.loads(payload)
        except ValueError:
            return status, payload.decode("utf-8", "replace")


@attrs.frozen
class ExplainedResult(ReceiveResult):
    """A receive outcome with an explanation, the shape an engine that explains gives."""

    explanation: object = None


class ExplainingEngine(Engine):
    """An engine whose receive explains its outcome when asked (``explain=True``): the engine's own explanation
    where it gives one, else a small stand-in that names the decoder and the outcome."""

    def receive(self, raw: str, *, explain: bool = False, **options: Any) -> ReceiveResult:  # type: ignore[override]
        if "explanation" in attrs.fields_dict(ReceiveResult):  # the engine explains by itself
            return super().receive(raw, explain=explain, **options)  # type: ignore[call-arg]
        result = super().receive(raw, **options)
        why = {"decoded_by": result.barcode.plugin if result.barcode else None, "outcome": result.status}
        return ExplainedResult(**attrs.asdict(result, recurse=False), explanation=why if explain else None)
