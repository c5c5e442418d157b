"""A scripted look-alike of fal.ai's queue API serving Nemotron 3 Nano Omni, on loopback.

Each submitted request walks through the queue one status poll at a time: ``IN_QUEUE``
(with a falling ``queue_position``), ``IN_PROGRESS`` (with logs), then ``COMPLETED``, after
which its result can be fetched: ``output`` (the text), ``finish_reason`` and ``usage``
(``input_tokens``, ``output_tokens``), the fields of fal's schema for this model. A script
item can make a request fail, or never finish (to test timeouts and cancellation), or make
status polls fail first. Standard library only.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True)
class FalReply:
    """How one queued request behaves.

    Attributes:
        text: The model's output, returned as ``output``.
        queue_polls: Status polls answered ``IN_QUEUE`` before the request starts.
        logs: Log lines revealed one per ``IN_PROGRESS`` poll.
        error: If set, fetching the result answers HTTP ``error_status`` with this detail.
        error_status: The status for ``error``.
        never_finishes: Stay ``IN_PROGRESS`` forever (until cancelled).
        finish_reason: The result's ``finish_reason`` (``stop`` or ``length``).
        status_failures: Answer this many status polls with 503 first (a flaky ingress).
    """

    text: str = ""
    queue_polls: int = 2
    logs: tuple[str, ...] = ("Loading model", "Generating")
    error: str | None = None
    error_status: int = 500
    never_finishes: bool = False
    finish_reason: str = "stop"
    status_failures: int = 0


@dataclass
class FalSubmission:
    """A request the fake queue received."""

    model: str
    subpath: str
    payload: dict[str, Any]
    headers: dict[str, str]
    request_id: str
    reply: FalReply
    polls: int = 0
    cancelled: bool = False
    statuses: list[str] = field(default_factory=list)
    failed_polls: int = 0


class FakeFalServer:
    """fal's queue protocol on a free 127.0.0.1 port, driven by a list of replies."""

    def __init__(self, script: Sequence[FalReply | str], *, api_key: str | None = None) -> None:
        """Replies are used in submission order (a ``str`` is ``FalReply(text)``)."""
        self._script = [FalReply(item) if isinstance(item, str) else item for item in script]
        self._api_key = api_key
        self._lock = threading.Lock()
        self.submissions: list[FalSubmission] = []
        self.connections: set[int] = set()
        """Client ports requests came from: one per kept-alive connection."""
        self._by_id: dict[str, FalSubmission] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        """Show the address, never the key."""
        return f"FakeFalServer(base_url={self.base_url!r})" if self._httpd else "FakeFalServer()"

    def __enter__(self) -> Self:
        """Start serving."""
        handler = _make_handler(self)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop serving."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    @property
    def base_url(self) -> str:
        """The queue root to pass as ``base_url`` (like ``https://queue.fal.run``)."""
        assert self._httpd is not None, "start the server first"  # noqa: S101
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- protocol ------------------------------------------------------------------------

    def submit(
        self, path: str, payload: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, Any]:
        """POST /{owner}/{name}[/{subpath}]."""
        parts = path.strip("/").split("/")
        model, subpath = "/".join(parts[:2]), "/".join(parts[2:])
        with self._lock:
            index = len(self.submissions)
            if index >= len(self._script):
                detail = f"FakeFalServer script exhausted after {index} requests"
                return 500, {"detail": detail}
            request_id = str(uuid.uuid4())
            submission = FalSubmission(
                model, subpath, payload, headers, request_id, self._script[index]
            )
            self.submissions.append(submission)
            self._by_id[request_id] = submission
        root = f"{self.base_url}/{model}/requests/{request_id}"
        return 200, {
            "request_id": request_id,
            "response_url": root,
            "status_url": f"{root}/status",
            "cancel_url": f"{root}/cancel",
            "queue_position": submission.reply.queue_polls,
        }

    def status(self, request_id: str) -> tuple[int, Any]:
        """GET .../requests/{id}/status (logs always included here)."""
        submission = self._by_id.get(request_id)
        if submission is None:
            return 404, {"detail": f"Request {request_id} not found"}
        with self._lock:
            if submission.failed_polls < submission.reply.status_failures:
                submission.failed_polls += 1
                return 503, {"detail": "Service temporarily unavailable"}
            submission.polls += 1
            reply = submission.reply
            step = submission.polls
            if step <= reply.queue_polls:
                body: dict[str, Any] = {
                    "status": "IN_QUEUE",
                    "queue_position": reply.queue_polls - step,
                }
            elif submission.cancelled:
                body = {"status": "COMPLETED", "logs": []}
            elif reply.never_finishes or step <= reply.queue_polls + len(reply.logs):
                shown = min(step - reply.queue_polls, len(reply.logs))
                body = {"status": "IN_PROGRESS", "logs": _logs(reply.logs[:shown])}
            else:
                body = {"status": "COMPLETED", "logs": _logs(reply.logs)}
            submission.statuses.append(body["status"])
        body["response_url"] = f"{self.base_url}/{submission.model}/requests/{request_id}"
        return 200, body

    def result(self, request_id: str) -> tuple[int, Any]:
        """GET .../requests/{id}."""
        submission = self._by_id.get(request_id)
        if submission is None:
            return 404, {"detail": f"Request {request_id} not found"}
        if submission.cancelled:
            return 400, {"detail": "Request was cancelled"}
        if submission.reply.error is not None:
            return submission.reply.error_status, {"detail": submission.reply.error}
        reply = submission.reply
        prompt = " ".join(str(v) for k, v in submission.payload.items() if "prompt" in k)
        return 200, {
            "output": reply.text,
            "finish_reason": reply.finish_reason,
            # A word is a token here: the figures only need to be plausible and stable.
            "usage": {
                "input_tokens": len(prompt.split()),
                "output_tokens": len(reply.text.split()),
            },
        }

    def cancel(self, request_id: str) -> tuple[int, Any]:
        """PUT .../requests/{id}/cancel."""
        submission = self._by_id.get(request_id)
        if submission is None:
            return 404, {"detail": f"Request {request_id} not found"}
        submission.cancelled = True
        return 202, {"status": "CANCELLATION_REQUESTED"}

    def authorized(self, header: str | None) -> bool:
        """Fal's scheme is ``Authorization: Key <key>``."""
        return self._api_key is None or header == f"Key {self._api_key}"


def _logs(lines: Sequence[str]) -> list[dict[str, str]]:
    return [
        {"message": line, "level": "INFO", "timestamp": "2026-11-23T00:00:00Z"} for line in lines
    ]


def _make_handler(server: FakeFalServer) -> type[BaseHTTPRequestHandler]:  # noqa: C901
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ARG002
            return

        def _reply(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self, method: str) -> None:
            server.connections.add(self.client_address[1])
            if not server.authorized(self.headers.get("Authorization")):
                self._reply(401, {"detail": "No user found for Key ID and Secret"})
                return
            path = urlsplit(self.path).path
            parts = path.strip("/").split("/")
            if method == "POST":
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length) or b"{}")
                headers = {k.lower(): v for k, v in self.headers.items()}
                headers["authorization"] = "Key ***"
                self._reply(*server.submit(path, payload, headers))
            elif method == "PUT" and parts[-1] == "cancel":
                self._reply(*server.cancel(parts[-2]))
            elif method == "GET" and parts[-1] == "status":
                self._reply(*server.status(parts[-2]))
            elif method == "GET" and len(parts) >= 2 and parts[-2] == "requests":  # noqa: PLR2004
                self._reply(*server.result(parts[-1]))
            else:
                self._reply(404, {"detail": f"No route for {method} {path}"})

        def do_POST(self) -> None:
            self._route("POST")

        def do_GET(self) -> None:
            self._route("GET")

        def do_PUT(self) -> None:
            self._route("PUT")

    return Handler
