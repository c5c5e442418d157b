"""A live view of a command-line run: a loopback page that follows it and takes approvals.

``nemotron-omni computer-use --watch`` serves it on ``127.0.0.1`` (never another address) and
prints its URL. The page long-polls for changes and shows each step as the report does
(:mod:`.report`: the screenshot with the pointer drawn on it, the thought, the actions and
their results); while the run waits for an approval it shows the request with Approve and
Reject buttons, and the first answer (page or terminal) is the one that counts.

The page can approve actions, and any web page open in the user's browser can send requests
to loopback, so every request must carry the view's random token (the URL's ``token=``; the
page sends it as a header), a decision must be a JSON POST with that header (which a
cross-site page cannot send without a CORS preflight this server never grants), and the Host
header must be the loopback address (no DNS rebinding).
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs, quote, urlsplit

from langchain_nemotron_omni.agents.computer_use.report import (
    STYLE,
    annotate,
    png_bytes,
    render_approval,
    render_header,
    render_step,
)
from langchain_nemotron_omni.agents.computer_use.trajectory import Trajectory

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_nemotron_omni.agents.computer_use.trajectory import ApprovalView

HOST = "127.0.0.1"
POLL_SECONDS = 15.0
_SHOT = re.compile(r"^/shot/(\d+)$")
_ASKED = re.compile(r"^/asked/(\d+)/(\d+)$")

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>Computer use: live</title><style>{style}
#approval {{ position: sticky; top: 0; z-index: 2; background: #fff8e1; border: 2px solid #e0a100;
  border-radius: 10px; padding: 10px 14px; margin: 12px 0; box-shadow: 0 2px 8px rgba(0,0,0,.15); }}
#approval img {{ max-height: 320px; }}
#approval .approval {{ border: 0; background: none; padding: 0; margin: 0 0 8px; }}
#approval button {{ font-size: 15px; padding: 6px 16px; margin-right: 8px; border-radius: 6px;
  border: 1px solid #888; cursor: pointer; }}
#approve {{ background: #2e9d4a; color: #fff; }} #reject {{ background: #c62828; color: #fff; }}
#reason {{ width: 40%; padding: 6px; margin-right: 8px; }}
#status {{ color: #5b6375; }}
</style></head><body><main>
<div id="header"></div>
<div id="approval" hidden><div id="approval-body"></div>
<input id="reason" placeholder="Reason if you reject (the model is told)">
<button id="approve" type="button">Approve</button>
<button id="reject" type="button">Reject</button><span id="status"></span></div>
<div id="steps"></div></main>
<script src="/live.js?token={token}"></script></body></html>
"""

SCRIPT = """(() => {
  const token = new URLSearchParams(location.search).get("token") || "";
  const q = (s) => document.querySelector(s);
  let version = 0, asked = null;
  function place(n, html) {
    const box = document.createElement("div");
    box.innerHTML = html;
    const fresh = box.firstElementChild, old = document.getElementById("step-" + n);
    if (old) { old.replaceWith(fresh); return; }
    const later = [...q("#steps").children].find((el) => +el.id.slice(5) > n);
    q("#steps").insertBefore(fresh, later || null);
  }
  function ask(approval) {
    asked = approval;
    q("#approval").hidden = !approval;
    if (approval) { q("#approval-body").innerHTML = approval.html; q("#status").textContent = ""; }
  }
  async function decide(approve) {
    if (!asked) return;
    q("#status").textContent = "sending...";
    const body = {approve, reason: q("#reason").value, step: asked.step, index: asked.index};
    const r = await fetch("/api/decision", {method: "POST", body: JSON.stringify(body),
      headers: {"Content-Type": "application/json", "X-Live-Token": token}});
    q("#status").textContent = r.ok ? (approve ? "approved" : "rejected")
                                    : "not taken (" + r.status + ")";
  }
  q("#approve").addEventListener("click", () => decide(true));
  q("#reject").addEventListener("click", () => decide(false));
  async function poll() {
    for (;;) {
      try {
        const url = "/api/updates?since=" + version + "&token=" + encodeURIComponent(token);
        const r = await fetch(url, {cache: "no-store"});
        if (!r.ok) throw new Error(String(r.status));
        const u = await r.json();
        version = u.version;
        q("#header").innerHTML = u.header;
        for (const [n, html] of u.steps) place(n, html);
        ask(u.approval);
        document.body.dataset.version = String(version);
        if (u.done) document.body.classList.add("done");
      } catch (e) { await new Promise((ok) => setTimeout(ok, 1000)); }
    }
  }
  poll();
})();
"""


class LiveView:
    """The live page of one run (see the module doc); a context manager that serves it."""

    def __init__(self, load: Callable[[str], bytes], *, port: int = 0) -> None:
        """Serve screenshots read with ``load`` on ``127.0.0.1:port`` (0: any free port)."""
        self.load = load
        self.token = secrets.token_urlsafe(18)
        self.trajectory = Trajectory()
        self._port = port
        self._version = 0
        self._changed: dict[int, int] = {}
        self._cond = threading.Condition()
        self._answer: Callable[[dict[str, Any]], None] | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The page's address, token included (give it only to the user)."""
        return f"http://{HOST}:{self.port}/?token={quote(self.token)}"

    @property
    def port(self) -> int:
        """The port it listens on."""
        return self._server.server_address[1] if self._server else self._port

    def __enter__(self) -> Self:
        """Start serving."""
        handler = type("LiveViewHandler", (_Handler,), {"live": self})
        self._server = ThreadingHTTPServer((HOST, self._port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop serving (open pages stop updating)."""
        with self._cond:
            self._answer = None
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- what the command line tells it --------------------------------------------------------

    def update(self, trajectory: Trajectory, step: int | None) -> None:
        """The trajectory changed (at ``step``; None: the run as a whole)."""
        with self._cond:
            self.trajectory = trajectory
            self._version += 1
            self._changed[step or 0] = self._version
            self._cond.notify_all()

    def open_approval(self, answer: Callable[[dict[str, Any]], None]) -> None:
        """The run waits for an approval: ``answer(decision)`` takes the page's decision."""
        with self._cond:
            self._answer = answer
            self._version += 1
            self._cond.notify_all()

    def close_approval(self) -> None:
        """The approval was answered (here or in the terminal)."""
        with self._cond:
            self._answer = None
            self._version += 1
            self._cond.notify_all()

    # -- what the page asks --------------------------------------------------------------------

    def updates(self, since: int) -> dict[str, Any]:
        """Everything changed after version ``since`` (waits a while for a change)."""
        with self._cond:
            self._cond.wait_for(lambda: self._version > since, timeout=POLL_SECONDS)
            version, trajectory = self._version, self.trajectory
            changed = {n for n, v in self._changed.items() if v > since}
            open_approval = self._answer is not None
        steps = sorted(trajectory.steps.values(), key=lambda s: s.number)
        if 0 in changed or since == 0:
            changed |= {step.number for step in steps}
        token = quote(self.token)
        rendered = [
            [
                step.number,
                render_step(
                    step,
                    image=f"/shot/{step.number}?token={token}&v={version}",
                    approval_image=self._asked_urls(step.number),
                    started_at=trajectory.started_at,
                ),
            ]
            for step in steps
            if step.number in changed
        ]
        waiting = trajectory.waiting if open_approval else None
        approval = None
        if waiting is not None:
            number, asked = waiting
            html = render_approval(asked, self._asked_urls(number)(asked))
            approval = {"step": number, "index": asked.index, "html": html}
        return {
            "version": version,
            "header": render_header(trajectory, live=True),
            "steps": rendered,
            "approval": approval,
            "done": trajectory.outcome is not None,
        }

    def _asked_urls(self, number: int) -> Callable[[ApprovalView], str]:
        def url(approval: ApprovalView) -> str:
            return f"/asked/{number}/{approval.index}?token={quote(self.token)}"

        return url

    def screenshot(self, number: int) -> bytes | None:
        """Step ``number``'s screenshot with its markers so far."""
        step = self.trajectory.steps.get(number)
        if step is None or not step.screenshot:
            return None
        return png_bytes(annotate(self.load(step.screenshot), step.markers()))

    def asked_screenshot(self, number: int, index: int) -> bytes | None:
        """The screen an approval of step ``number`` was asked on."""
        step = self.trajectory.steps.get(number)
        for approval in step.approvals if step else []:
            if approval.index == index:
                return self.load(approval.screenshot)
        return None

    def decide(self, decision: dict[str, Any]) -> bool:
        """Take a decision from the page; False when no such approval is open."""
        with self._cond:
            answer = self._answer
            waiting = self.trajectory.waiting
            if answer is None or waiting is None:
                return False
            number, asked = waiting
            if (decision.get("step"), decision.get("index")) != (number, asked.index):
                return False
            self._answer = None
        approve = decision.get("approve") is True
        reason = str(decision.get("reason") or "").strip()
        answer({"approve": True} if approve else {"approve": False, "reason": reason})
        return True


class _Handler(BaseHTTPRequestHandler):
    live: LiveView

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if not self._allowed(query.get("token", [""])[0]):
            return
        path = parts.path
        if path == "/":
            page = PAGE.format(style=STYLE, token=quote(self.live.token))
            self._send(200, page.encode(), "text/html; charset=utf-8")
        elif path == "/live.js":
            self._send(200, SCRIPT.encode(), "text/javascript; charset=utf-8")
        elif path == "/api/updates":
            since = int(query.get("since", ["0"])[0] or 0)
            body = json.dumps(self.live.updates(since)).encode()
            self._send(200, body, "application/json")
        elif shot := _SHOT.match(path):
            number = int(shot[1])
            self._png(lambda: self.live.screenshot(number))
        elif asked := _ASKED.match(path):
            number, index = int(asked[1]), int(asked[2])
            self._png(lambda: self.live.asked_screenshot(number, index))
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/api/decision":
            self._send(404, b"not found", "text/plain")
            return
        if not self._allowed(self.headers.get("X-Live-Token", "")):
            return
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            self._send(415, b"JSON only", "text/plain")
            return
        length = min(int(self.headers.get("Content-Length") or 0), 65536)
        try:
            decision = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._send(400, b"not JSON", "text/plain")
            return
        if not isinstance(decision, dict) or not self.live.decide(decision):
            self._send(409, b"no such approval is waiting", "text/plain")
            return
        self._send(200, b'{"ok": true}', "application/json")

    def _allowed(self, token: str) -> bool:
        host = self.headers.get("Host", "")
        if host not in {f"{HOST}:{self.live.port}", f"localhost:{self.live.port}"}:
            self._send(421, b"wrong host", "text/plain")
            return False
        if not hmac.compare_digest(token.encode(), self.live.token.encode()):
            self._send(403, b"bad token", "text/plain")
            return False
        return True

    def _png(self, read: Callable[[], bytes | None]) -> None:
        try:
            png = read()
        except (OSError, LookupError):
            png = None
        if png is None:
            self._send(404, b"no such screenshot", "text/plain")
        else:
            self._send(200, png, "image/png")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
            "img-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'none'",
        )
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  # the base signature
        """Quiet: the terminal shows the run, not the page's requests."""
