"""Images, audio, video and PDFs from local files, checked and converted before sending.

Run: `uv run python examples/media_inputs.py [FILE ...]`; with no files it makes a sample
image. Any image, audio, video or PDF works: its type is read from the bytes.
"""

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.messages import HumanMessage
from PIL import Image

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.demo import DEMO_LABEL, endpoint_or_demo
from langchain_nemotron_omni.media import block
from langchain_nemotron_omni.testing import ChatRequest

if TYPE_CHECKING:
    from langchain_core.messages.content import ContentBlock


def scripted(request: ChatRequest) -> str:
    """The demo model: say which parts reached the server."""
    parts = request.body["messages"][-1]["content"]
    kinds = [part["type"] for part in parts if part["type"] != "text"]
    return f"I was sent {len(kinds)} media part(s).\n</think>\n{DEMO_LABEL} Parts: {kinds}"


def main() -> None:
    files = [Path(arg) for arg in sys.argv[1:]]
    with tempfile.TemporaryDirectory() as folder:
        if not files:
            sample = Path(folder) / "sample.webp"  # WebP: converted to PNG for vLLM
            Image.new("RGB", (320, 200), (40, 120, 200)).save(sample)
            files = [sample]
        blocks: list[ContentBlock] = [{"type": "text", "text": "Describe what you were given."}]
        blocks += [block(path) for path in files]
        with endpoint_or_demo(scripted) as (params, _demo):
            llm = ChatNemotronOmni(**params)
            reply = llm.invoke([HumanMessage(content_blocks=blocks)], thinking=False)
            print(reply.content)


if __name__ == "__main__":
    main()
