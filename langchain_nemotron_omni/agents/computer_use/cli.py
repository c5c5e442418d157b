"""``nemotron-omni computer-use``: run the agent from a terminal.

Each step is printed as it happens (the page, the model's thought, each action and how it
went). The run is saved in ``--run-dir``: a SQLite checkpoint, and per task a folder
``runs/<thread>/<episode>/`` with the screenshots, the events, an HTML report and a GIF
(written whenever the command stops); the browser profile (cookies) is kept in
``runs/<thread>/browser-profile/``, so ``--thread-id`` resumes a run, also from a new
process, logged in where it was. Risky actions stop at a y/n prompt; with ``--watch`` a
live page on 127.0.0.1 follows the run and takes approvals too. With no endpoint configured
a scripted demo stands in for the model, as ``nemotron-omni ask`` does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from langchain_nemotron_omni.agents.computer_use.errors import ComputerUseError
from langchain_nemotron_omni.providers import PROVIDERS

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    from langchain_nemotron_omni.agents.computer_use.computer import Computer
    from langchain_nemotron_omni.agents.computer_use.state import ComputerUseSettings

_ON_RISK = {"ask": "interrupt", "refuse": "refuse", "allow": "allow"}
RUNS_FOLDER = "runs"
PROFILE_FOLDER = "browser-profile"


def default_run_dir() -> Path:
    """``$XDG_STATE_HOME/nemotron-omni/computer-use`` (``~/.local/state/...`` by default)."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "nemotron-omni" / "computer-use"


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],  # argparse's own type
) -> argparse.ArgumentParser:
    """Register ``computer-use``; the parsed namespace's ``handler`` runs it."""
    parser = subparsers.add_parser(
        "computer-use",
        help="let the model operate a browser or a desktop",
        description="Run the computer-use agent; prints each step as it happens.",
    )
    parser.add_argument("task", nargs="?", help="what to do (omit to resume --thread-id)")
    parser.add_argument("--start-url", help="page the browser opens first")
    parser.add_argument("--desktop", action="store_true", help="an X11 desktop (Xvfb) instead")
    parser.add_argument("--display", help="drive this X display (e.g. :0) instead of an Xvfb")
    parser.add_argument("--protocol", choices=["tools", "pyautogui"], default=None)
    parser.add_argument("--max-steps", type=int, default=30)
    parser.add_argument(
        "--size", type=_size, default=None, metavar="WxH",
        help="browser viewport or Xvfb screen size (default 1280x720 / 1920x1080)",
    )  # fmt: skip
    parser.add_argument(
        "--allowed-domain", action="append", dest="allowed_domains", metavar="DOMAIN",
        help="host the browser may load (repeatable); default: any",
    )  # fmt: skip
    parser.add_argument(
        "--blocked-pattern", action="append", dest="blocked_patterns", default=[],
        metavar="REGEX", help="actions matching this need approval (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--on-risk", choices=list(_ON_RISK), default="ask",
        help="risky actions (passwords, form submits, blocked patterns): ask, refuse or allow",
    )  # fmt: skip
    parser.add_argument(
        "--run-dir", type=Path, default=None, help="checkpoints, screenshots and reports"
    )
    parser.add_argument("--thread-id", help="resume (or name) this run")
    parser.add_argument(
        "--watch", action="store_true",
        help="serve a live view of the run on 127.0.0.1 (approvals can be given there)",
    )  # fmt: skip
    parser.add_argument("--watch-port", type=int, default=0, help="its port (default: any free)")
    parser.add_argument("--provider", choices=list(PROVIDERS), default=None)
    parser.add_argument("--base-url", default=None)
    parser.add_argument("--model", default=None)
    parser.add_argument("--no-thinking", action="store_true")
    parser.set_defaults(handler=run_computer_use)
    return parser


def run_computer_use(
    args: argparse.Namespace, out: TextIO, ask: Callable[[str], str] = input
) -> int:
    """Run ``nemotron-omni computer-use``.

    Returns:
        0 when the task ended in success, 1 otherwise.

    Raises:
        ComputerUseError: Nothing to do (no task and nothing to resume).
    """
    # Imported here so registering the subcommand keeps `nemotron-omni ask` quick to start.
    from langchain_nemotron_omni.extras import require  # noqa: PLC0415

    sqlite = require(
        "langgraph.checkpoint.sqlite", extra="agents", purpose="Saving the run in --run-dir"
    )
    from langchain_nemotron_omni.agents.computer_use.demo import (  # noqa: PLC0415
        demo_page,
        demo_script,
    )
    from langchain_nemotron_omni.agents.computer_use.follow import RunFollower  # noqa: PLC0415
    from langchain_nemotron_omni.agents.computer_use.graph import (  # noqa: PLC0415
        create_computer_use_agent,
    )
    from langchain_nemotron_omni.agents.computer_use.live import LiveView  # noqa: PLC0415
    from langchain_nemotron_omni.agents.computer_use.screenshots import (  # noqa: PLC0415
        DirectoryScreenshots,
    )
    from langchain_nemotron_omni.agents.computer_use.sessions import (  # noqa: PLC0415
        close_computer_sessions,
    )
    from langchain_nemotron_omni.agents.computer_use.state import (  # noqa: PLC0415
        ComputerUseSettings,
    )
    from langchain_nemotron_omni.chat_models import ChatNemotronOmni  # noqa: PLC0415
    from langchain_nemotron_omni.demo import (  # noqa: PLC0415
        DEMO_LABEL,
        HOW_TO_CONNECT,
        endpoint_or_demo,
    )

    run_dir: Path = args.run_dir or default_run_dir()
    run_dir.mkdir(parents=True, exist_ok=True)
    thread_id = args.thread_id or uuid.uuid4().hex[:12]
    screenshots = DirectoryScreenshots(run_dir / RUNS_FOLDER)
    profile = screenshots.folder(thread_id) / PROFILE_FOLDER
    if args.task and profile.exists():
        shutil.rmtree(profile)  # a new task on the thread: a fresh browser, no old cookies
    params: dict[str, Any] = {"thinking": not args.no_thinking}
    for name in ("provider", "base_url", "model"):
        if (value := getattr(args, name)) is not None:
            params[name] = value
    try:
        with ExitStack() as stack:
            saver = stack.enter_context(
                sqlite.SqliteSaver.from_conn_string(str(run_dir / "runs.sqlite"))
            )
            own_page = not (args.start_url or args.desktop or args.display)
            script = demo_script(own_page=own_page)
            model_params, demo = stack.enter_context(endpoint_or_demo(script, **params))
            start_url, allowed = args.start_url, args.allowed_domains
            if demo:
                out.write(f"Demo mode: no endpoint configured.\n{HOW_TO_CONNECT}\n\n")
                if own_page and args.task:  # a resumed run has its page already
                    start_url = stack.enter_context(demo_page())
                    allowed = [*allowed, "127.0.0.1"] if allowed else None
            live = None
            if args.watch:
                live = stack.enter_context(LiveView(screenshots.load, port=args.watch_port))
                out.write(f"Live view: {live.url}\n")
            agent = create_computer_use_agent(
                ChatNemotronOmni(**model_params),
                _environment(args, allowed, profile),
                settings=ComputerUseSettings.parse(
                    {
                        "protocol": args.protocol,
                        "start_url": start_url,
                        "allowed_domains": allowed,
                        "max_steps": args.max_steps,
                        "viewport_width": args.size[0] if args.size else None,
                        "viewport_height": args.size[1] if args.size else None,
                        "on_risk": _ON_RISK[args.on_risk],
                        "blocked_patterns": list(args.blocked_patterns),
                    }
                ),
                screenshots=screenshots,
                checkpointer=saver,
            )
            follower = RunFollower(out, screenshots, ask=ask, live=live)
            try:
                code = follower.drive(agent, args.task, thread_id)
            finally:
                out.write(
                    f"Run saved in {run_dir} (thread {thread_id}); resume with "
                    f"--run-dir {run_dir} --thread-id {thread_id}\n"
                )
            if demo:
                out.write(f"{DEMO_LABEL}\n")
            return code
    finally:
        close_computer_sessions()


def _environment(
    args: argparse.Namespace, allowed: list[str] | None, profile: Path
) -> Callable[[ComputerUseSettings], AbstractContextManager[Computer]]:
    from langchain_nemotron_omni.agents.computer_use.browser import (  # noqa: PLC0415
        PlaywrightBrowser,
    )
    from langchain_nemotron_omni.agents.computer_use.desktop import X11Desktop  # noqa: PLC0415

    def start(settings: ComputerUseSettings) -> AbstractContextManager[Computer]:
        size = (settings.viewport_width, settings.viewport_height)
        if args.desktop or args.display:
            apps = [["xterm"]] if args.display is None and shutil.which("xterm") else []
            if size[0] and size[1]:
                return X11Desktop(display=args.display, apps=apps, size=(size[0], size[1]))
            return X11Desktop(display=args.display, apps=apps)
        # The profile stays in the run folder: a run resumed in a new process keeps its
        # cookies (and logins); the agent reopens its last page.
        viewport = (size[0] or 1280, size[1] or 720)
        return PlaywrightBrowser(allowed_domains=allowed, user_data_dir=profile, viewport=viewport)

    return start


def _size(text: str) -> tuple[int, int]:
    """``1280x720`` as ``(1280, 720)``."""
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
        msg = f"{text!r} is not a size like 1280x720"
        raise argparse.ArgumentTypeError(msg)
    return int(width), int(height)


def main(argv: list[str] | None = None) -> int:
    """Run the subcommand alone (``python -m langchain_nemotron_omni.agents.computer_use.cli``)."""
    root = argparse.ArgumentParser(prog="nemotron-omni")
    add_parser(root.add_subparsers(dest="command", required=True))
    args = root.parse_args(["computer-use", *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.handler(args, sys.stdout))
    except ComputerUseError as error:
        sys.stderr.write(f"nemotron-omni: {error}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
