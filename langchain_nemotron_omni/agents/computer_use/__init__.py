"""A computer-use agent for Nemotron 3 Nano Omni, as a LangGraph graph.

```python
from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.agents.computer_use import (
    PlaywrightBrowser,
    create_computer_use_agent,
)
from langgraph.checkpoint.memory import InMemorySaver

browser = PlaywrightBrowser(start_url="https://example.com", allowed_domains=["example.com"])
with browser:
    agent = create_computer_use_agent(ChatNemotronOmni(), browser, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "1"}}
    final = agent.invoke({"task": "What is the page's heading?"}, config)
    final["outcome"]  # {"status": "success", "answer": "...", ...}
```

Names are imported on first use, so the command line can register its subcommand without
loading LangGraph, Pillow or Playwright.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_nemotron_omni._lazy import lazy_attributes

if TYPE_CHECKING:
    from langchain_nemotron_omni.agents.computer_use.actions import (
        Action,
        action_from_dict,
        describe,
    )
    from langchain_nemotron_omni.agents.computer_use.approval import ApprovalRequest, parse_decision
    from langchain_nemotron_omni.agents.computer_use.browser import (
        CHROMIUM_FLAGS,
        PlaywrightBrowser,
    )
    from langchain_nemotron_omni.agents.computer_use.computer import (
        BrowserComputer,
        Computer,
        ElementInfo,
        TabInfo,
    )
    from langchain_nemotron_omni.agents.computer_use.coordinates import to_pixels
    from langchain_nemotron_omni.agents.computer_use.deployment import EnvironmentDeployment
    from langchain_nemotron_omni.agents.computer_use.desktop import X11Desktop
    from langchain_nemotron_omni.agents.computer_use.environments import ComputerSource
    from langchain_nemotron_omni.agents.computer_use.errors import (
        ActionError,
        ActionParseError,
        ComputerUseError,
        EnvironmentLimitError,
        EnvironmentStartError,
        NavigationBlockedError,
    )
    from langchain_nemotron_omni.agents.computer_use.graph import create_computer_use_agent
    from langchain_nemotron_omni.agents.computer_use.history import ContextPolicy
    from langchain_nemotron_omni.agents.computer_use.masking import (
        Secrets,
        mask_secrets,
        run_secrets,
    )
    from langchain_nemotron_omni.agents.computer_use.risk import (
        RiskCheck,
        RiskPolicy,
        RiskPredicate,
        WindowInfo,
    )
    from langchain_nemotron_omni.agents.computer_use.screenshots import (
        BaseStoreScreenshots,
        DirectoryScreenshots,
        ScreenshotStore,
    )
    from langchain_nemotron_omni.agents.computer_use.sessions import (
        SessionPool,
        close_computer_sessions,
    )
    from langchain_nemotron_omni.agents.computer_use.state import (
        ComputerUseSettings,
        ComputerUseState,
        Outcome,
    )
    from langchain_nemotron_omni.agents.computer_use.steplog import (
        BaseStoreStepLog,
        DirectoryStepLog,
        StepLog,
    )

_LAZY = {
    "Action": "langchain_nemotron_omni.agents.computer_use.actions",
    "ActionError": "langchain_nemotron_omni.agents.computer_use.errors",
    "ActionParseError": "langchain_nemotron_omni.agents.computer_use.errors",
    "ApprovalRequest": "langchain_nemotron_omni.agents.computer_use.approval",
    "BaseStoreScreenshots": "langchain_nemotron_omni.agents.computer_use.screenshots",
    "BaseStoreStepLog": "langchain_nemotron_omni.agents.computer_use.steplog",
    "DirectoryStepLog": "langchain_nemotron_omni.agents.computer_use.steplog",
    "Secrets": "langchain_nemotron_omni.agents.computer_use.masking",
    "StepLog": "langchain_nemotron_omni.agents.computer_use.steplog",
    "WindowInfo": "langchain_nemotron_omni.agents.computer_use.risk",
    "mask_secrets": "langchain_nemotron_omni.agents.computer_use.masking",
    "run_secrets": "langchain_nemotron_omni.agents.computer_use.masking",
    "BrowserComputer": "langchain_nemotron_omni.agents.computer_use.computer",
    "CHROMIUM_FLAGS": "langchain_nemotron_omni.agents.computer_use.browser",
    "Computer": "langchain_nemotron_omni.agents.computer_use.computer",
    "ComputerSource": "langchain_nemotron_omni.agents.computer_use.environments",
    "ComputerUseSettings": "langchain_nemotron_omni.agents.computer_use.state",
    "ComputerUseError": "langchain_nemotron_omni.agents.computer_use.errors",
    "ComputerUseState": "langchain_nemotron_omni.agents.computer_use.state",
    "ContextPolicy": "langchain_nemotron_omni.agents.computer_use.history",
    "DirectoryScreenshots": "langchain_nemotron_omni.agents.computer_use.screenshots",
    "ElementInfo": "langchain_nemotron_omni.agents.computer_use.computer",
    "EnvironmentDeployment": "langchain_nemotron_omni.agents.computer_use.deployment",
    "EnvironmentLimitError": "langchain_nemotron_omni.agents.computer_use.errors",
    "EnvironmentStartError": "langchain_nemotron_omni.agents.computer_use.errors",
    "NavigationBlockedError": "langchain_nemotron_omni.agents.computer_use.errors",
    "Outcome": "langchain_nemotron_omni.agents.computer_use.state",
    "PlaywrightBrowser": "langchain_nemotron_omni.agents.computer_use.browser",
    "RiskCheck": "langchain_nemotron_omni.agents.computer_use.risk",
    "RiskPolicy": "langchain_nemotron_omni.agents.computer_use.risk",
    "RiskPredicate": "langchain_nemotron_omni.agents.computer_use.risk",
    "ScreenshotStore": "langchain_nemotron_omni.agents.computer_use.screenshots",
    "SessionPool": "langchain_nemotron_omni.agents.computer_use.sessions",
    "TabInfo": "langchain_nemotron_omni.agents.computer_use.computer",
    "X11Desktop": "langchain_nemotron_omni.agents.computer_use.desktop",
    "action_from_dict": "langchain_nemotron_omni.agents.computer_use.actions",
    "close_computer_sessions": "langchain_nemotron_omni.agents.computer_use.sessions",
    "create_computer_use_agent": "langchain_nemotron_omni.agents.computer_use.graph",
    "describe": "langchain_nemotron_omni.agents.computer_use.actions",
    "parse_decision": "langchain_nemotron_omni.agents.computer_use.approval",
    "to_pixels": "langchain_nemotron_omni.agents.computer_use.coordinates",
}

__all__ = [
    "CHROMIUM_FLAGS",
    "Action",
    "ActionError",
    "ActionParseError",
    "ApprovalRequest",
    "BaseStoreScreenshots",
    "BaseStoreStepLog",
    "BrowserComputer",
    "Computer",
    "ComputerSource",
    "ComputerUseError",
    "ComputerUseSettings",
    "ComputerUseState",
    "ContextPolicy",
    "DirectoryScreenshots",
    "DirectoryStepLog",
    "ElementInfo",
    "EnvironmentDeployment",
    "EnvironmentLimitError",
    "EnvironmentStartError",
    "NavigationBlockedError",
    "Outcome",
    "PlaywrightBrowser",
    "RiskCheck",
    "RiskPolicy",
    "RiskPredicate",
    "ScreenshotStore",
    "Secrets",
    "SessionPool",
    "StepLog",
    "TabInfo",
    "WindowInfo",
    "X11Desktop",
    "action_from_dict",
    "close_computer_sessions",
    "create_computer_use_agent",
    "describe",
    "mask_secrets",
    "parse_decision",
    "run_secrets",
    "to_pixels",
]


__getattr__ = lazy_attributes(__name__, _LAZY, globals())
