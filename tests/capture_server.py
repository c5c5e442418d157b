"""A loopback HTTP server that records every request's headers and body, unredacted.

For tests that must prove a secret never reached a place: point a client at it and search
what it recorded. It answers any POST with a minimal chat completion, so clients finish.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from types import TracebackType

_COMPLETION = {
    "id": "chatcmpl-capture",
    "object": "chat.completion",
    "created": 0,
    "model": "captured",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "captured"},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


class CaptureServer:
    """Records requests; ``seen(text)`` says whether ``text`` appeared in any of them."""

    def __init__(self) -> None:
        """Bind a free loopback port (served once entered)."""
        self.requests: list[dict[str, Any]] = []
        captured = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                captured.append({"path": self.path, "headers": dict(self.headers), "body": body})
                data = json.dumps(_COMPLETION).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST  # noqa: N815  # http.server's method name

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The server's ``/v1`` URL."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def seen(self, text: str) -> bool:
        """Whether ``text`` appeared in any recorded header or body."""
        return any(text in json.dumps(request) for request in self.requests)

    def __enter__(self) -> Self:
        """Start serving."""
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
