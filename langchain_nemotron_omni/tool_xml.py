"""The XML tool-call API under its first name; it lives in :mod:`langchain_nemotron_omni.tools`."""

from __future__ import annotations

from langchain_nemotron_omni import tools
from langchain_nemotron_omni.tools import *  # noqa: F403 - the same public names

__all__ = tools.__all__
