"""The human-in-the-loop exchange: what an interrupt shows and what a resume may say.

The graph calls ``interrupt(request)`` with :func:`approval_request`'s dict; a caller
resumes with ``Command(resume=decision)`` (the LangGraph API: ``command={"resume": ...}``)
where the decision is any of:

* approve: ``True``, ``"approve"``, ``"yes"``, ``{"approve": True}``, ``{"type": "approve"}``;
* reject: ``False``, ``"reject"``, ``{"approve": False, "reason": "..."}``,
  ``{"type": "reject", "message": "..."}``, or any other text (taken as the reason).

A rejection's reason is shown to the model. Everything in the request is masked: a secret
the action would type shows as its ``{{name}}`` placeholder.
"""

from __future__ import annotations

from typing import Any, TypedDict

_YES = frozenset({"approve", "approved", "yes", "y", "ok", "accept"})
_NO = frozenset({"reject", "rejected", "no", "n", "deny"})
DEFAULT_REJECTION = "the user did not approve this action"


class ApprovalRequest(TypedDict):
    """What an interrupt carries (JSON only: no images)."""

    kind: str
    step: int
    tool: str
    action: dict[str, Any]
    summary: str
    reason: str
    url: str | None
    screenshot: str | None
    resume_with: dict[str, Any]


def approval_request(  # noqa: PLR0913  # one field each
    *,
    step: int,
    tool: str,
    action: dict[str, Any],
    summary: str,
    reason: str,
    url: str | None,
    screenshot: str | None,
) -> ApprovalRequest:
    """The interrupt's value for an action that needs approval."""
    return {
        "kind": "approve_action",
        "step": step,
        "tool": tool,
        "action": action,
        "summary": summary,
        "reason": reason,
        "url": url,
        "screenshot": screenshot,
        "resume_with": {"approve": "true or false", "reason": "shown to the model on reject"},
    }


def parse_decision(value: object) -> tuple[bool, str]:
    """``(approved, reason)`` from a resume value (see the module docstring)."""
    if isinstance(value, bool):
        return value, "" if value else DEFAULT_REJECTION
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _YES:
            return True, ""
        if word in _NO or not word:
            return False, DEFAULT_REJECTION
        return False, value.strip()
    if isinstance(value, dict):
        if "approve" in value:
            approved = value["approve"] is True or str(value["approve"]).lower() in _YES
        else:
            approved = str(value.get("type", "")).lower() in _YES
        reason = value.get("reason") or value.get("message") or ""
        return approved, "" if approved else (str(reason) or DEFAULT_REJECTION)
    return False, f"{DEFAULT_REJECTION} (unreadable decision {value!r})"
