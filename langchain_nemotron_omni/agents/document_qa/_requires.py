"""The document-QA agent's optional dependencies, checked when the agent is imported.

It reads every document with pypdfium2: that comes with the ``agents`` extra (as LangGraph
does, which ``langchain_nemotron_omni.agents`` checks), and without it importing the agent
raises :class:`~langchain_nemotron_omni.extras.MissingExtraError` naming that extra.
"""

from langchain_nemotron_omni.extras import require

require("pypdfium2", extra="agents", purpose="The document-QA agent")
