"""Hosted front-ends in front of a vLLM backend: the request each one forwards.

What each front-end translates is data in :data:`~langchain_nemotron_omni.testing.flavors.
HOSTED_FRONT_ENDS`; the answer fields it renames are applied through
:meth:`~langchain_nemotron_omni.testing.flavors.Flavor.behind`.
"""

from __future__ import annotations

from typing import Any

from langchain_nemotron_omni.testing._errors import RequestError
from langchain_nemotron_omni.testing.flavors import HOSTED_FRONT_ENDS, Hosted, HostedFrontEnd

_KWARGS = "chat_template_kwargs"


def _read(root: dict[str, Any], path: str) -> Any:
    node: Any = root
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _refuse_list_content(body: dict[str, Any], front: HostedFrontEnd) -> None:
    for index, message in enumerate(body.get("messages") or []):
        if (
            isinstance(message, dict)
            and message.get("role") in front.list_content_refused_roles
            and isinstance(message.get("content"), list)
        ):
            msg = (
                f"messages[{index}]: for system and assistant roles, the object list "
                "format is not supported."
            )
            raise RequestError(400, msg)


def _budget(view: dict[str, Any], front: HostedFrontEnd) -> int | None:
    budget = None
    for path in front.budget_fields:  # later fields win
        value = _read(view, path)
        if value is not None:
            budget = value
    if not isinstance(budget, int) or isinstance(budget, bool):
        return None
    minimum = front.budget_minimum
    return budget if minimum is None or budget >= minimum else None


def to_backend(body: dict[str, Any], hosted: Hosted | None) -> dict[str, Any]:
    """The request the front-end forwards to its vLLM backend.

    Raises:
        RequestError: The front-end's own refusal.
    """
    if hosted is None:
        return body
    front = HOSTED_FRONT_ENDS[hosted]
    _refuse_list_content(body, front)
    ctk = dict(body.get(_KWARGS) or {})
    view = {**body, _KWARGS: ctk}
    budget = _budget(view, front)
    thinking = _read(view, front.thinking_field) if front.thinking_field else None
    forwarded = {k: v for k, v in body.items() if k not in front.consumed_fields}
    for path in front.budget_fields:
        top, _, leaf = path.partition(".")
        if top == _KWARGS:
            ctk.pop(leaf, None)
        elif not leaf:
            forwarded.pop(top, None)
    if isinstance(thinking, bool):
        ctk["enable_thinking"] = thinking
    if budget is not None:
        forwarded["thinking_token_budget"] = budget
    if ctk:
        forwarded[_KWARGS] = ctk
    else:
        forwarded.pop(_KWARGS, None)
    return forwarded
