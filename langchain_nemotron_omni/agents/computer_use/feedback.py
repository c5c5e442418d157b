"""What the model is told about its last step: tool results and observation text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

if TYPE_CHECKING:
    from collections.abc import Sequence

    from langchain_nemotron_omni.agents.computer_use.state import (
        ActionResult,
        Failure,
        PlannedAction,
    )

_PREFIX = {"failed": "Action failed", "rejected": "Rejected", "skipped": "Not executed"}
SKIPPED = "an earlier action of this step failed or was stopped"


def result(
    entry: PlannedAction,
    status: Literal["done", "failed", "rejected", "skipped"],
    detail: str = "",
) -> ActionResult:
    """The result record of a planned action."""
    return {
        "call_id": entry["call_id"],
        "tool": entry["tool"],
        "summary": entry["summary"],
        "status": status,
        "detail": detail,
    }


def report(results: Sequence[ActionResult]) -> str:
    """One call's results in a line or two ("Actions executed." when all went well)."""
    problem = next((r for r in results if r["status"] != "done"), None)
    if problem is None:
        notes = [r["detail"] for r in results if r["detail"]]
        return " ".join(notes) if notes else "Actions executed."
    done = sum(r["status"] == "done" for r in results)
    text = f"{_PREFIX[problem['status']]}: {problem['summary']}: {problem['detail']}"
    if problem["summary"] == problem["tool"]:  # nothing parsed: the summary is just the tool
        text = f"{_PREFIX[problem['status']]}: {problem['detail']}"
    if done:
        text += f" (the {done} action(s) before it ran)"
    later = sum(r["status"] == "skipped" for r in results if r is not problem)
    if later:
        text += f"; {later} later action(s) did not run"
    return text if text.endswith(".") else text + "."


def tool_messages(reply: BaseMessage | None, results: Sequence[ActionResult]) -> list[ToolMessage]:
    """One tool result per tool call of ``reply`` (servers want every call answered)."""
    if not isinstance(reply, AIMessage):
        return []
    calls = [(c["id"], c["name"]) for c in reply.tool_calls]
    calls += [(b["id"], b.get("name") or "") for b in reply.invalid_tool_calls]
    messages = []
    for call_id, name in calls:
        if not call_id:
            continue
        mine = [r for r in results if r["call_id"] == call_id]
        text = report(mine) if mine else f"Not executed: {SKIPPED}."
        failed = any(r["status"] != "done" for r in mine)
        messages.append(
            ToolMessage(
                text, tool_call_id=call_id, name=name, status="error" if failed else "success"
            )
        )
    return messages


def untracked_report(results: Sequence[ActionResult]) -> str:
    """Results that belong to no tool call (code blocks, replies without a call), or ""."""
    loose = [r for r in results if r["call_id"] is None]
    if not loose or all(r["status"] == "done" for r in loose):
        return ""
    return "Previous step: " + report(loose)


def next_failure(previous: Failure | None, results: Sequence[ActionResult]) -> Failure | None:
    """The step's failure, counting the steps in a row that failed the same way.

    A step fails when one of its actions failed (rejections are the user's answer, not a
    failure); two failures are the same when the action and the error are.
    """
    problem = next((r for r in results if r["status"] == "failed"), None)
    if problem is None:
        return None
    signature = f"{problem['tool']}\n{problem['summary']}\n{problem['detail']}"
    same = previous is not None and previous["signature"] == signature
    detail = f"{problem['summary']}: {problem['detail']}"
    if problem["summary"] == problem["tool"]:
        detail = problem["detail"]
    return {
        "signature": signature,
        "detail": detail[:300],
        "count": previous["count"] + 1 if same and previous else 1,
    }
