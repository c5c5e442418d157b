"""The document-QA agent's optional dependencies, checked when the agent is imported.

It reads every document with pypdfium2 and keeps open documents and renders in cachetools
caches: both come with the ``agents`` extra, and without them importing the agent raises
:class:`~langchain_nemotron_omni.extras.MissingExtraError` naming that extra.
"""

from langchain_nemotron_omni.extras import require

for _module in ("pypdfium2", "cachetools"):
    require(_module, extra="agents", purpose="The document-QA agent")
