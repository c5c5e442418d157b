"""Document QA on Nemotron 3 Nano Omni, served by ``langgraph dev`` / LangGraph Platform.

Documents are read only from ``NEMOTRON_OMNI_DOCS_ROOT`` (default ``./documents``). The model
endpoint comes from the environment (``NEMOTRON_OMNI_BASE_URL``, ``NEMOTRON_OMNI_PROVIDER``,
``NVIDIA_API_KEY``, ... as for ``ChatNemotronOmni``) and is built on the first question, so
the server starts without one. Per-run settings go in the run's context, e.g.
``runs.wait(thread, "document_qa", input={"question": q, "documents": ["report.pdf"]},
context={"budget_tokens": 30000})``.
"""

import os

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.agents.document_qa import create_document_qa_agent
from langchain_nemotron_omni.agents.document_qa.paths import DOCS_ROOT_ENV

graph = create_document_qa_agent(
    ChatNemotronOmni, allowed_root=os.environ.get(DOCS_ROOT_ENV, "documents")
)
