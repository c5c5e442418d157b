"""Every setting of one call, resolved once into a :class:`RequestPlan`.

A setting can come from the model's fields, from ``model_kwargs``, from ``.bind()`` or call
keywords, or from ``extra_body`` at any of those levels. Thinking, for one, can be set by
``thinking=``, by ``chat_template_kwargs={"enable_thinking": ...}`` (as a keyword, in
``model_kwargs`` or in ``extra_body``) and, on OpenRouter, by ``reasoning={"enabled": ...}``;
the request sends what the user set last, so the reply must be shaped by the same value.
Resolving it all in one place is what keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol

from langchain_nemotron_omni.reply.shaper import ReplySettings
from langchain_nemotron_omni.structured_output import ParseTarget, parse_target
from langchain_nemotron_omni.tools.choice import forced_tool

if TYPE_CHECKING:
    from langchain_nemotron_omni.media import MediaOptions
    from langchain_nemotron_omni.providers import ProviderSpec
    from langchain_nemotron_omni.reasoning.route import ReasoningParserMode

BudgetMode = Literal["auto", "server", "client"]
PLAN_KEY = "nemotron_plan"
"""The call keyword a plan travels under from the request loop to payload building."""
OWN_KEYWORDS = frozenset({"thinking", "reasoning_budget", PLAN_KEY})
"""Call keywords of this package, never sent as they are."""
# Request fields that switch thinking; passed as keywords they are lifted into the body.
_THINKING_FIELDS = ("chat_template_kwargs", "reasoning")


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into ``base`` recursively; ``override`` wins on conflicts."""
    if not base or not override:  # the usual case in a request body; the same result
        return dict(override or base)
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged


class PlannedModel(Protocol):
    """The model settings a plan is resolved from (``ChatNemotronOmni``'s fields)."""

    @property
    def spec(self) -> ProviderSpec: ...  # noqa: D102
    @property
    def media_options(self) -> MediaOptions: ...  # noqa: D102
    @property
    def renders_tools(self) -> bool: ...  # noqa: D102

    thinking: bool
    reasoning_budget: int | None
    reasoning_budget_mode: BudgetMode
    reasoning_parser: ReasoningParserMode
    max_tokens: int | None
    model_kwargs: dict[str, Any]
    extra_body: Mapping[str, Any] | None
    top_k: int | None
    min_p: float | None
    repetition_penalty: float | None


@dataclass(slots=True)
class RequestPlan:
    """Everything one request sends and everything its reply is shaped by.

    Read-only by convention (variants are made with ``dataclasses.replace``): not declared
    frozen, because a frozen dataclass costs three times as much to build, once per call.
    """

    spec: ProviderSpec
    thinking: bool
    """Thinking as the request finally asks for it."""
    max_tokens: int | None
    budget: int | None
    """The reasoning budget (``None``: none, or thinking is off)."""
    budget_mode: Literal["server", "client"] | None
    tools: tuple[Mapping[str, Any], ...] | None
    """Bound tools the model may call (``None``: none, or ``tool_choice="none"``)."""
    forced: str | None
    """The tool ``tool_choice`` forces: a name, ``"*"`` for any, ``None``."""
    tools_in_prompt: bool
    """Tools are written into the system prompt (the server has no tool parser)."""
    reasoning_parser: ReasoningParserMode
    parse_as: ParseTarget
    media: MediaOptions
    sampling: Mapping[str, Any]
    """``top_k``, ``min_p``, ``repetition_penalty`` where set."""
    extra_body: Mapping[str, Any]
    """The user's ``extra_body`` from every level, merged, with ``chat_template_kwargs`` /
    ``reasoning`` keywords lifted in; it wins over what the plan itself sends."""
    continues: bool = False
    """First phase of a client-side budget (see :mod:`.attempts`)."""
    answering: bool = False
    """Second phase of a client-side budget: the thought is closed, all text is answer."""

    @property
    def server_budget(self) -> int | None:
        """The budget to send in the provider's budget field, if the server enforces it."""
        return self.budget if self.budget_mode == "server" else None

    def reply(self) -> ReplySettings:
        """How the reply to this request is shaped."""
        return ReplySettings(
            thinking=self.thinking and not self.answering,
            reasoning_parser=self.reasoning_parser,
            max_tokens=self.max_tokens,
            reasoning_budget=self.budget,
            tools=self.tools,
            parse_as=None if self.continues else self.parse_as,
            continues=self.continues,
        )

    def with_tools_in_prompt(self) -> RequestPlan:
        """The same request for a server that turned out to have no tool parser."""
        return replace(self, tools_in_prompt=True)


def user_extra_body(model: PlannedModel, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The ``extra_body`` a user asked for, from every level, later levels winning.

    Thinking switches given as keywords (``model_kwargs`` or call) are lifted in below the
    explicit ``extra_body``s, which is where the request body will carry them too.
    """
    layers: list[Mapping[str, Any] | None] = [
        {k: source[k] for k in _THINKING_FIELDS if k in source}
        for source in (model.model_kwargs, kwargs)
    ]
    layers += [model.model_kwargs.get("extra_body"), model.extra_body, kwargs.get("extra_body")]
    merged: dict[str, Any] = {}
    for layer in layers:
        if layer:  # most calls set none of them
            merged = deep_merge(merged, layer)
    return merged


def effective_thinking(spec: ProviderSpec, extra_body: Mapping[str, Any], default: bool) -> bool:  # noqa: FBT001
    """Whether the request as finally sent asks for thinking (``extra_body`` may override)."""
    if spec.thinking_control == "openrouter_reasoning":
        reasoning = extra_body.get("reasoning")
        if isinstance(reasoning, Mapping) and isinstance(reasoning.get("enabled"), bool):
            return bool(reasoning["enabled"])
        return default
    kwargs = extra_body.get("chat_template_kwargs")
    if isinstance(kwargs, Mapping) and isinstance(kwargs.get("enable_thinking"), bool):
        return bool(kwargs["enable_thinking"])
    return default


def plan_request(model: PlannedModel, kwargs: Mapping[str, Any]) -> RequestPlan:
    """Resolve one call's settings: the model's fields under the call's keywords."""
    spec = model.spec
    extra = user_extra_body(model, kwargs)
    thinking = effective_thinking(spec, extra, bool(kwargs.get("thinking", model.thinking)))
    budget = kwargs.get("reasoning_budget", model.reasoning_budget) if thinking else None
    mode: Literal["server", "client"] | None = None
    if budget is not None:
        server = model.reasoning_budget_mode == "server" or (
            model.reasoning_budget_mode == "auto" and spec.budget_control is not None
        )
        mode = "server" if server else "client"
    tools = kwargs.get("tools")
    choice = kwargs.get("tool_choice")
    callable_tools = tuple(tools) if tools and choice != "none" else None
    sampling = {
        "top_k": model.top_k,
        "min_p": model.min_p,
        "repetition_penalty": model.repetition_penalty,
    }
    return RequestPlan(
        spec=spec,
        thinking=thinking,
        max_tokens=kwargs.get("max_tokens", model.max_tokens),
        budget=budget,
        budget_mode=mode,
        tools=callable_tools,
        forced=forced_tool(choice) if tools else None,
        tools_in_prompt=model.renders_tools,
        reasoning_parser=(
            model.reasoning_parser
            if model.reasoning_parser != "auto" or spec.reasoning_split == "detect"
            else spec.reasoning_split
        ),
        parse_as=parse_target(kwargs.get("response_format")),
        media=model.media_options,
        sampling={key: value for key, value in sampling.items() if value is not None},
        extra_body=extra,
    )
