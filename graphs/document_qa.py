"""Document QA on Nemotron 3 Nano Omni, served by ``langgraph dev`` / a LangGraph server.

Deployment settings (environment, or ``langgraph.json`` ``env``):

- documents are read only from ``NEMOTRON_OMNI_DOCS_ROOT`` (default ``./documents``);
- the model endpoint: ``NEMOTRON_OMNI_BASE_URL``, ``NEMOTRON_OMNI_PROVIDER``,
  ``NEMOTRON_OMNI_MODEL`` (the served model name) and the provider's key variable, plus any
  named endpoints in ``NEMOTRON_OMNI_ENDPOINTS``; the chat model is built on the first
  question, so the server starts without one;
- page images kept in the server's store: at most ``NEMOTRON_OMNI_DOCS_STORED_PAGES`` per
  document (default 120; 0 keeps none);
- defaults of the agent's settings: ``NEMOTRON_OMNI_DOCQA_<FIELD>``, e.g.
  ``NEMOTRON_OMNI_DOCQA_BUDGET_TOKENS=30000``.

A run overrides settings in its context, and may pick a configured endpoint by name:
``runs.wait(thread, "document_qa", input={"question": q, "documents": ["report.pdf"]},
context={"budget_tokens": 30000, "endpoint": "default"})``.
"""

import os

from langchain_nemotron_omni.agents.common import deployment_model
from langchain_nemotron_omni.agents.document_qa import DocQASettings, create_document_qa_agent
from langchain_nemotron_omni.agents.document_qa.page_images import stored_pages_from_env
from langchain_nemotron_omni.agents.document_qa.paths import DOCS_ROOT_ENV

graph = create_document_qa_agent(
    deployment_model,
    allowed_root=os.environ.get(DOCS_ROOT_ENV, "documents"),
    settings=DocQASettings.from_env(),
    stored_pages=stored_pages_from_env(),
)
