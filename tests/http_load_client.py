"""One load-test client process: sends its share of labels to the server, one request at a time on a keep-alive
connection, retrying through connection failures (the server may be killed and restarted meanwhile).

Usage: ``python http_load_client.py BASE_URL TOKEN PATH MODE LABELS_FILE OUT_FILE`` — ``MODE`` is ``receive`` or
``scan``; every line of ``OUT_FILE`` (JSON) is ``[index, http_status, outcome, seconds, attempts, finished_at]``.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
from urllib.parse import urlsplit

#: How long a client keeps retrying one request while the server is down.
RETRY_FOR_SECONDS = 120.0


def main(base: str, token: str, path: str, labels_file: str, out_file: str) -> int:
    address = urlsplit(base)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=60)
    with open(labels_file, encoding="utf-8") as source, open(out_file, "w", encoding="utf-8") as out:
        for line in source:
            index, label = json.loads(line)
            body = json.dumps({"barcode": label})
            attempts = 0
            started = time.perf_counter()
            deadline = time.monotonic() + RETRY_FOR_SECONDS
            while True:
                attempts += 1
                try:
                    connection.request("POST", path, body, headers)
                    response = connection.getresponse()
                    payload = response.read()
                    break
                except (OSError, http.client.HTTPException):
                    connection.close()  # reconnects on the next request
                    if time.monotonic() > deadline:
                        return 1
                    time.sleep(0.05)
            elapsed = time.perf_counter() - started
            answer = json.loads(payload)
            outcome = answer.get("status") if isinstance(answer.get("status"), str) else answer.get("error", "")
            out.write(json.dumps([index, response.status, outcome, elapsed, attempts, time.time()]) + "\n")
            out.flush()  # the test watches progress through these files
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
