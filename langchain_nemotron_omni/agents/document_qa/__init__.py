"""Document QA: answer questions about PDFs and images, citing the pages, within a budget.

```python
from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.agents.document_qa import create_document_qa_agent

agent = create_document_qa_agent(ChatNemotronOmni(), allowed_root="docs")
result = agent.invoke({"question": "What was 2023 revenue?", "documents": ["report.pdf"]})
result["answer"], result["citations"], result["tokens"]["total"]
```
"""

from langchain_nemotron_omni.agents.document_qa import _requires  # noqa: F401  # first: the extra
from langchain_nemotron_omni.agents.document_qa.errors import (
    CorruptDocumentError,
    DocumentError,
    DocumentNotFoundError,
    DocumentPathError,
    EmptyDocumentError,
    EncryptedPDFError,
    QuestionInputError,
    SettingsError,
    UnsupportedDocumentError,
)
from langchain_nemotron_omni.agents.document_qa.graph import create_document_qa_agent
from langchain_nemotron_omni.agents.document_qa.state import (
    Citation,
    DocQASettings,
    InputState,
    OutputState,
    PageRef,
    State,
    TokenUsage,
)

__all__ = [
    "Citation",
    "CorruptDocumentError",
    "DocQASettings",
    "DocumentError",
    "DocumentNotFoundError",
    "DocumentPathError",
    "EmptyDocumentError",
    "EncryptedPDFError",
    "InputState",
    "OutputState",
    "PageRef",
    "QuestionInputError",
    "SettingsError",
    "State",
    "TokenUsage",
    "UnsupportedDocumentError",
    "create_document_qa_agent",
]
