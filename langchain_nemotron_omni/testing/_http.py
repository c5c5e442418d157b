"""HTTP/1.1 plumbing of the fake server: keep-alive JSON, chunked SSE, and stream faults."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from langchain_nemotron_omni.testing._answer import Turn, dumps
from langchain_nemotron_omni.testing._errors import RequestError, status_phrase
from langchain_nemotron_omni.testing._script import HTTPFault, Reply

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from langchain_nemotron_omni.testing._app import App

_REDACTED_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-api-key", "api-key", "cookie"}
)
_DONE = b"data: [DONE]\n\n"
_SSE_HEADERS = (
    ("content-type", "text/event-stream; charset=utf-8"),
    ("transfer-encoding", "chunked"),
)


class HTTPServer(ThreadingHTTPServer):
    """A threading server that knows its app and can drop its open connections."""

    daemon_threads = True
    # Bursts of parallel clients (benchmarks, 20-thread tests) must not overflow the backlog.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], app: App) -> None:
        """Bind and listen on ``address``."""
        super().__init__(address, Handler)
        self.app = app
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()

    def track(self, conn: socket.socket, *, add: bool) -> None:
        """Register or forget a client connection."""
        with self._conn_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def drop_connections(self) -> None:
        """Close idle keep-alive connections so their handler threads end."""
        with self._conn_lock:
            connections = list(self._connections)
            self._connections.clear()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:  # noqa: ARG002
        """Drop client disconnects quietly; record anything else for the tests to see."""
        text = traceback.format_exc()
        if "ConnectionResetError" not in text and "BrokenPipeError" not in text:
            self.app.record_error(text)


class ClientGoneError(Exception):
    """The client closed the connection while the server was writing."""


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


class Handler(BaseHTTPRequestHandler):
    """Routes: ``POST /v1/chat/completions``, ``GET /v1/models``, ``GET /health``."""

    protocol_version = "HTTP/1.1"
    server: HTTPServer

    # -- plumbing ----------------------------------------------------------------------------

    def setup(self) -> None:
        """Disable Nagle (small writes must not wait for delayed ACKs) and track the socket."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        """Forget the socket."""
        self.server.track(self.connection, add=False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence the per-request log line (and keep headers out of logs)."""

    def _write(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
        except OSError as exc:
            self.close_connection = True
            raise ClientGoneError from exc

    def _head(self, status: int, headers: Sequence[tuple[str, str]]) -> bytes:
        lines = [
            f"HTTP/1.1 {status} {status_phrase(status)}",
            f"date: {self.date_time_string()}",
            "server: uvicorn",
            *(f"{k}: {v}" for k, v in headers),
        ]
        if self.close_connection:
            lines.append("connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        extra: Mapping[str, str] | None = None,
    ) -> None:
        # Status line, headers and body in one write: one segment for small answers.
        headers = [("content-length", str(len(body))), ("content-type", content_type)]
        headers += list((extra or {}).items())
        self._write(self._head(status, headers) + body)

    def _send_json(self, status: int, obj: object, extra: Mapping[str, str] | None = None) -> None:
        self._send(status, dumps(obj).encode(), extra=extra)

    def _send_error(self, exc: RequestError) -> None:
        body = self.server.app.error_body(exc.status, exc.message, exc.type, exc.param)
        self._send_json(exc.status, body)

    def _internal_error(self) -> None:
        text = traceback.format_exc()
        self.server.app.record_error(text)
        self._send_error(RequestError(500, f"FakeNemotronServer failed: {_last_line(text)}"))

    def _read_body(self) -> bytes:
        if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""
        parts = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            parts.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline() not in {b"\r\n", b"\n", b""}:
            pass  # trailers
        return b"".join(parts)

    def _abort(self) -> None:
        # Closing mid-body: the client sees an incomplete chunked read (or no response).
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _authorized(self) -> bool:
        return self.server.app.authorized(self.headers.get("Authorization"))

    # -- routes ------------------------------------------------------------------------------

    def do_GET(self) -> None:
        """``/health`` and ``/v1/models``."""
        path = urlsplit(self.path).path
        try:
            if path == "/health":
                self._send(200, b"")
            elif path.startswith("/v1") and not self._authorized():
                self._send_json(401, {"error": "Unauthorized"})
            elif path == "/v1/models":
                self._send_json(200, self.server.app.models_body())
            else:
                self._send_json(404, {"detail": "Not Found"})
        except ClientGoneError:
            return

    def do_POST(self) -> None:
        """``/v1/chat/completions``."""
        path = urlsplit(self.path).path
        try:
            raw = self._read_body()
            if path.startswith("/v1") and not self._authorized():
                self._send_json(401, {"error": "Unauthorized"})
            elif path == "/v1/chat/completions":
                self._chat(path, raw)
            elif path in {"/v1/models", "/health"}:
                self._send_json(405, {"detail": "Method Not Allowed"})
            else:
                self._send_json(404, {"detail": "Not Found"})
        except ClientGoneError:
            return

    def _recorded_headers(self) -> dict[str, str]:
        return {
            k.lower(): "<redacted>" if k.lower() in _REDACTED_HEADERS else v
            for k, v in self.headers.items()
        }

    def _chat(self, path: str, raw: bytes) -> None:
        app = self.server.app
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            body = RequestError(400, f"JSON decode error: {exc}", type_="Bad Request")
        if not isinstance(body, dict | RequestError):
            body = RequestError(400, "Input should be a valid dictionary", type_="Bad Request")
        if isinstance(body, RequestError):
            self._send_error(body)
            return
        try:
            request, turn = app.accept(body, self._recorded_headers(), path)
            item = turn if isinstance(turn, RequestError) else app.next_item(request)
        except Exception:  # noqa: BLE001  # our own failure: answer 500 like vLLM would
            self._internal_error()
            return
        if isinstance(item, RequestError):
            self._send_error(item)
        elif isinstance(item, HTTPFault):
            self._send_fault(item)
        elif not isinstance(turn, RequestError):
            self._answer(Reply(item) if isinstance(item, str) else item, turn)

    def _send_fault(self, fault: HTTPFault) -> None:
        extra = dict(fault.headers)
        if fault.body is None:
            self._send_json(fault.status, self.server.app.fault_body(fault), extra)
        elif isinstance(fault.body, str):
            default = "text/plain; charset=utf-8"
            ctype = extra.pop("Content-Type", extra.pop("content-type", default))
            self._send(fault.status, fault.body.encode(), ctype, extra)
        else:
            self._send_json(fault.status, dict(fault.body), extra)

    def _answer(self, reply: Reply, turn: Turn) -> None:
        if reply.delay and self.server.stopping.wait(reply.delay):
            self._abort()  # the server is stopping
            return
        if not turn.norm.stream:
            self._answer_json(reply, turn)
            return
        app = self.server.app
        try:
            gen = app.generate(reply.text, turn)
            events = app.stream_events(gen, turn, interval=reply.stream_interval)
            first = next(events)
        except Exception:  # noqa: BLE001
            self._internal_error()
            return
        self._write_stream(reply, _prepend(first, events))

    def _answer_json(self, reply: Reply, turn: Turn) -> None:
        if reply.cut_after_chunks is not None:
            self._abort()
            return
        if reply.error_after_chunks is not None:
            self._send_error(RequestError(500, reply.error_message))
            return
        app = self.server.app
        try:
            payload = app.completion(app.generate(reply.text, turn), turn)
        except Exception:  # noqa: BLE001
            self._internal_error()
            return
        self._send_json(200, payload)

    def _write_stream(self, reply: Reply, events: Iterator[bytes]) -> None:
        app = self.server.app
        out = bytearray(self._head(200, _SSE_HEADERS))
        cut, fail = reply.cut_after_chunks, reply.error_after_chunks
        error_message = reply.error_message
        sent = 0
        while True:
            if (cut is not None and sent >= cut) or (fail is not None and sent >= fail):
                break
            try:
                event = next(events, None)
            except Exception:  # noqa: BLE001  # after the 200: report in-band, like vLLM
                text = traceback.format_exc()
                app.record_error(text)
                fail, error_message = sent, f"FakeNemotronServer failed: {_last_line(text)}"
                break
            if event is None:
                break
            out += _chunk(event)
            sent += 1
            if reply.chunk_delay:
                # Events are otherwise batched into one write; a slow stream flushes each.
                self._write(bytes(out))
                out.clear()
                if self.server.stopping.wait(reply.chunk_delay):
                    self._abort()
                    return
        if cut is not None:
            self._write(bytes(out))
            self._abort()
            return
        if fail is not None:
            error = app.error_body(500, error_message)
            out += _chunk(f"data: {dumps(error)}\n\n".encode())
        out += _chunk(_DONE) + b"0\r\n\r\n"
        self._write(bytes(out))


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1]
