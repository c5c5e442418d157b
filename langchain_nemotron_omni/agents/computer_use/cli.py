"""``nemotron-omni computer-use``: run the agent from a terminal.

Each step is printed as it happens (thought, actions, screenshot file). The run is saved in
``--run-dir`` (a SQLite checkpoint and the screenshots), so ``--thread-id`` resumes it, also
from a new process. Risky actions stop at a y/n prompt. With no endpoint configured a
scripted demo stands in for the model, as ``nemotron-omni ask`` does.
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

    from langchain_core.runnables import RunnableConfig
    from langgraph.graph.state import CompiledStateGraph

    from langchain_nemotron_omni.agents.computer_use.computer import Computer
    from langchain_nemotron_omni.agents.computer_use.state import ComputerUseSettings

_ON_RISK = {"ask": "interrupt", "refuse": "refuse", "allow": "allow"}
_THOUGHT_CHARS = 120


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
    parser.add_argument("--run-dir", type=Path, default=None, help="checkpoints and screenshots")
    parser.add_argument("--thread-id", help="resume (or name) this run")
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
    from langgraph.checkpoint.sqlite import SqliteSaver  # noqa: PLC0415

    from langchain_nemotron_omni.agents.computer_use.demo import (  # noqa: PLC0415
        demo_page,
        demo_script,
    )
    from langchain_nemotron_omni.agents.computer_use.graph import (  # noqa: PLC0415
        create_computer_use_agent,
    )
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
    params: dict[str, Any] = {"thinking": not args.no_thinking}
    for name in ("provider", "base_url", "model"):
        if (value := getattr(args, name)) is not None:
            params[name] = value
    try:
        with ExitStack() as stack:
            saver = stack.enter_context(SqliteSaver.from_conn_string(str(run_dir / "runs.sqlite")))
            own_page = not (args.start_url or args.desktop or args.display)
            script = demo_script(own_page=own_page)
            model_params, demo = stack.enter_context(endpoint_or_demo(script, **params))
            start_url, allowed = args.start_url, args.allowed_domains
            if demo:
                out.write(f"Demo mode: no endpoint configured.\n{HOW_TO_CONNECT}\n\n")
                if own_page and args.task:  # a resumed run has its page already
                    start_url = stack.enter_context(demo_page())
                    allowed = [*allowed, "127.0.0.1"] if allowed else None
            agent = create_computer_use_agent(
                ChatNemotronOmni(**model_params),
                _environment(args, allowed),
                settings=ComputerUseSettings.parse(
                    {
                        "protocol": args.protocol,
                        "start_url": start_url,
                        "allowed_domains": allowed,
                        "max_steps": args.max_steps,
                        "on_risk": _ON_RISK[args.on_risk],
                        "blocked_patterns": list(args.blocked_patterns),
                    }
                ),
                screenshots=DirectoryScreenshots(run_dir / "screenshots"),
                checkpointer=saver,
            )
            code = _drive(agent, args.task, thread_id, out, ask)
            if demo:
                out.write(f"{DEMO_LABEL}\n")
            out.write(f"Run saved in {run_dir} (thread {thread_id}).\n")
            return code
    finally:
        close_computer_sessions()


def _environment(
    args: argparse.Namespace, allowed: list[str] | None
) -> Callable[[ComputerUseSettings], AbstractContextManager[Computer]]:
    from langchain_nemotron_omni.agents.computer_use.browser import (  # noqa: PLC0415
        PlaywrightBrowser,
    )
    from langchain_nemotron_omni.agents.computer_use.desktop import X11Desktop  # noqa: PLC0415

    def start(_: ComputerUseSettings) -> AbstractContextManager[Computer]:
        if args.desktop or args.display:
            apps = [["xterm"]] if args.display is None and shutil.which("xterm") else []
            return X11Desktop(display=args.display, apps=apps)
        return PlaywrightBrowser(allowed_domains=allowed)

    return start


def _drive(
    agent: CompiledStateGraph[Any, Any, Any, Any],
    task: str | None,
    thread_id: str,
    out: TextIO,
    ask: Callable[[str], str],
) -> int:
    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    snapshot = agent.get_state(config)
    payload: Any
    if task:
        payload = {"task": task}
    elif snapshot.next:
        out.write(f"Resuming thread {thread_id} at step {snapshot.values.get('step')}.\n")
        payload = None
    elif snapshot.values:
        return _report(snapshot.values, out)
    else:
        msg = "give a task, or --thread-id of a run to resume"
        raise ComputerUseError(msg)
    from langgraph.types import Command  # noqa: PLC0415

    # A resumed run first re-enters its pending node without an answer: in this new process
    # its browser is new, so the agent re-observes and re-plans (asking again if needed)
    # rather than applying an approval to a screen that no longer exists.
    while True:
        for update in agent.stream(payload, config, stream_mode="updates"):
            _show(update, out)
        snapshot = agent.get_state(config)
        if not snapshot.interrupts:
            return _report(snapshot.values, out)
        payload = Command(resume=_decide(snapshot.interrupts[0].value, out, ask))


def _show(update: dict[str, Any], out: TextIO) -> None:
    for node, change in update.items():
        if not isinstance(change, dict):
            continue
        if node == "setup":
            screen = change["screen"]
            where = screen.get("url") or f"{screen['width']}x{screen['height']} desktop"
            out.write(f"Started: {where}\n  screenshot: {change['screenshots'][-1]['ref']}\n")
        elif node == "model":
            reply = change["messages"][-1]
            thought = _summary(reply.additional_kwargs.get("reasoning_content") or reply.text)
            out.write(f"Thought: {thought}\n")
            out.writelines(f"  action: {_planned(entry)}\n" for entry in change["pending"])
        elif node == "act":
            for record in change.get("results", [])[-1:]:
                if record["status"] != "done":
                    out.write(f"  {record['status']}: {record['detail']}\n")
        elif node == "observe" and change.get("screenshots"):
            ref = change["screenshots"][-1]
            out.write(f"Step {change['step']}  screenshot: {ref['ref']}\n")
        out.flush()


def _planned(entry: dict[str, Any]) -> str:
    return f"invalid: {entry['error']}" if entry["error"] else str(entry["summary"])


def _summary(text: str) -> str:
    text = " ".join(str(text).split())
    first = text.split(". ")[0]
    return first if len(first) <= _THOUGHT_CHARS else first[: _THOUGHT_CHARS - 1] + "…"


def _decide(request: dict[str, Any], out: TextIO, ask: Callable[[str], str]) -> dict[str, Any]:
    out.write(
        f"\nApproval needed at step {request.get('step')}: {request.get('summary')}\n"
        f"  why: {request.get('reason')}\n"
    )
    out.flush()
    try:
        answer = ask("Approve? [y/N] ").strip().lower()
        if answer in {"y", "yes"}:
            return {"approve": True}
        reason = ask("Reason (told to the model): ").strip()
    except EOFError:
        reason = ""
    return {"approve": False, "reason": reason or "the user said no"}


def _report(values: dict[str, Any], out: TextIO) -> int:
    outcome = values.get("outcome")
    if not outcome:
        out.write("The run stopped before the task ended.\n")
        return 1
    out.write(f"Outcome: {outcome['status']} after {outcome['steps']} step(s)")
    out.write(f" ({outcome['reason']})\n" if outcome["reason"] != "terminated" else "\n")
    if outcome.get("answer"):
        out.write(f"Answer: {outcome['answer']}\n")
    return 0 if outcome["status"] == "success" else 1


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
