"""A webhook receiver for the tests: a small HTTP server on 127.0.0.1 that checks each delivery's signature with
the shared secret and records what it got.

    python tests/webhook_receiver.py --port 8123 --secret-file /tmp/secret --log /tmp/received.jsonl

- Every POST outside /_control/ is a delivery: its Baton-Signature is checked against the secret read from
  `--secret-file` (re-read per request, so the secret can be written after the server started), and one JSON line
  is appended to `--log`: {"delivery", "event", "event_id", "host", "signature_ok", "answered", "path"}.
- It answers 200 to a valid delivery, 401 to a bad signature, and 500 to everything while failing is switched
  on (POST /_control/fail; POST /_control/ok switches it off) — the answer is recorded too.
- GET /_control/received answers the recorded lines as a JSON list.

The signature check is written here from the documented scheme (docs/webhooks.md), not imported from Baton, so
the tests prove the scheme as a receiver sees it. Standard library only; also usable in-process
(`make_server(...)`, served from a thread) by the fast tests.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MAX_BODY = 1024 * 1024
TOLERANCE = 300

# What the integration leg's Celery worker needs to deliver to this receiver on loopback, quickly:
# plain http, 127.0.0.1 allowed, retries a quarter of a second apart growing to one second, enough of them to
# outlast the outage the test stages (tests/integration/conftest.py adds these to the worker's environment).
WORKER_ENV = {
    "BATON_WEBHOOK_ALLOW_HTTP": "true",
    "BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS": "127.0.0.1/32",
    "BATON_WEBHOOK_RETRY_BASE_SECONDS": "0.25",
    "BATON_WEBHOOK_RETRY_MAX_SECONDS": "1",
    "BATON_WEBHOOK_MAX_ATTEMPTS": "60",
}


def signature_ok(secret: str, headers, body: bytes, now: float) -> bool:
    timestamp = headers.get("Baton-Timestamp", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > TOLERANCE:
        return False
    expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, part.strip())
               for part in headers.get("Baton-Signature", "").split(","))


class Receiver(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, *, secret_file: Path, log: Path, redirect_paths=()):
        super().__init__(address, Handler)
        self.secret_file = Path(secret_file)
        self.log = Path(log)
        self.failing = False
        self.redirect_paths = set(redirect_paths)
        self.lock = threading.Lock()

    def secret(self) -> str:
        try:
            return self.secret_file.read_text().strip()
        except OSError:
            return ""

    def record(self, entry: dict) -> None:
        with self.lock, self.log.open("a") as out:
            out.write(json.dumps(entry) + "\n")
            out.flush()

    def received(self) -> list[dict]:
        with self.lock:
            if not self.log.exists():
                return []
            return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def log_message(self, format, *args):  # quiet: the JSON lines are the record
        pass

    def _answer(self, status: int, body: bytes, content_type: str = "text/plain", extra=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - the stdlib's name
        if self.path == "/_control/received":
            self._answer(200, json.dumps(self.server.received()).encode(), "application/json")
        else:
            self._answer(404, b"not here")

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, MAX_BODY))
        if self.path in ("/_control/fail", "/_control/ok"):
            self.server.failing = self.path == "/_control/fail"
            self._answer(200, b"switched")
            return
        if self.path in self.server.redirect_paths:
            self.server.record({"path": self.path, "delivery": self.headers.get("Baton-Delivery"),
                                "answered": 302})
            self._answer(302, b"", extra={"Location": "/redirected"})
            return
        good = signature_ok(self.server.secret(), self.headers, body, time.time())
        try:
            event_id = json.loads(body).get("id")
        except ValueError:
            event_id = None
        status = 500 if self.server.failing else (200 if good else 401)
        self.server.record({"path": self.path, "delivery": self.headers.get("Baton-Delivery"),
                            "event": self.headers.get("Baton-Event"), "event_id": event_id,
                            "host": self.headers.get("Host"), "signature_ok": good, "answered": status})
        self._answer(status, b"received" if status == 200 else b"receiver says no: " + str(status).encode())


def make_server(port: int, *, secret_file, log, redirect_paths=()) -> Receiver:
    return Receiver(("127.0.0.1", port), secret_file=secret_file, log=log, redirect_paths=redirect_paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--fail", action="store_true", help="start answering 500")
    args = parser.parse_args()
    server = make_server(args.port, secret_file=args.secret_file, log=args.log)
    server.failing = args.fail
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
