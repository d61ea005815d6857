"""HTTP plumbing: a threading HTTP/1.1 server on 127.0.0.1 around the API and control API."""

from __future__ import annotations

import socket
import sys
import threading
import traceback
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .app import Api, Request, canonical_path
from .control import PREFIX, Control, ControlError, handle_control
from .engine import Engine, Settings
from .envelope import error_body, json_body

CONTENT_TYPE = "application/json; charset=utf-8"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


class SandboxHTTPServer(ThreadingHTTPServer):
    """One thread per connection; daemon threads so a stuck client never blocks exit."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], engine: Engine, verbose: bool = False) -> None:
        super().__init__(address, Handler)
        self.engine = engine
        self.api = Api(engine)
        self.control = Control(engine)
        self.verbose = verbose

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        """A client that went away mid-request (a run killed with -9, a Ctrl-C) is not an error
        of the sandbox: no traceback for it; anything else is printed as before."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """Routes ``/__sandbox/...`` to the control API and everything else to the API."""

    protocol_version = "HTTP/1.1"
    server_version = "KustomerSandbox/1.0"
    #: idle keep-alive connections are closed after this many seconds
    timeout = 60
    #: headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm
    #: and delayed ACKs add ~40 ms to every keep-alive response
    disable_nagle_algorithm = True
    server: SandboxHTTPServer

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._handle("PUT")

    def do_PATCH(self) -> None:  # noqa: N802
        self._handle("PATCH")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._handle("OPTIONS")

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle("HEAD")

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header on the sandbox clock, the clock that stamps ``updatedAt`` and
        bounds the search window (rate-limit windows alone run on wall time)."""
        if timestamp is None:
            timestamp = self.server.engine.clock.now_ms() / 1000
        return formatdate(timestamp, usegmt=True)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    # ------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self, method: str) -> None:
        try:
            body = self._read_body()
            url = urlsplit(self.path)
            if url.path == PREFIX or url.path.startswith(PREFIX + "/"):
                self._control(method, url.path, url.query, body)
            else:
                self._api(method, url.path, url.query, body)
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception:  # pragma: no cover - a sandbox bug, not a client error
            traceback.print_exc()
            self._send(500, self.server.api.error_json(500, "sandbox internal error"), {})

    def _control(self, method: str, path: str, query: str, body: bytes) -> None:
        if self.client_address[0] not in LOOPBACK:
            self._send(403, json_body(error_body(403, "control API is loopback only")), {})
            return
        try:
            status, payload = handle_control(
                self.server.control, self.server.engine, method, path, dict(parse_qsl(query)), body
            )
            self._send(status, json_body(payload), {})
        except ControlError as err:
            self._send(err.status, json_body(error_body(err.status, str(err))), {})

    def _api(self, method: str, path: str, query: str, body: bytes) -> None:
        engine = self.server.engine
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request(method, path, parse_qsl(query, keep_blank_values=True), headers, body)
        served = canonical_path(path)
        engine.stats.enter(served)
        try:
            resp = self.server.api.handle(req)
            engine.latency.sleep()
        finally:
            engine.stats.leave(served)
        engine.stats.record(method, served, resp.status)
        if resp.fault == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        payload = resp.body
        if resp.fault == "malformed":
            payload = payload[: max(1, len(payload) // 2)]
        self._send(resp.status, payload, resp.headers)


@dataclass
class Running:
    """A server running in a background thread."""

    server: SandboxHTTPServer
    thread: threading.Thread

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start(
    settings: Settings, port: int = 0, host: str = "127.0.0.1", verbose: bool = False
) -> tuple[Engine, Running]:
    """Build an engine and serve it on ``host:port`` (0 = a free port) in a thread."""
    engine = Engine(settings)
    server = SandboxHTTPServer((host, port), engine, verbose)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"kustomer-sandbox-{server.server_address[1]}",
        daemon=True,
    )
    thread.start()
    return engine, Running(server, thread)
