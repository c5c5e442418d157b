"""Images, audio, video and PDFs from local files, checked and converted before sending.

Run: `uv run python examples/media_inputs.py [FILE ...]`; with no files it makes a sample
image. Any image, audio, video or PDF works: its type is read from the bytes.
"""

import sys
import tempfile
from pathlib import Path

from langchain_core.messages import HumanMessage
from langchain_core.messages.content import ContentBlock
from PIL import Image

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.demo import DEMO_LABEL, endpoint_or_demo
from langchain_nemotron_omni.media import audio, image, pdf, sniff, video
from langchain_nemotron_omni.testing import ChatRequest


def block_for(path: Path) -> ContentBlock:
    """The content block for a file, by what its bytes say it is."""
    with path.open("rb") as file:
        kind = sniff(file.read(64), what=path.name).kind
    if kind == "image":
        return image(path)
    if kind == "audio":
        return audio(path)
    if kind == "video":
        return video(path)
    return pdf(path)


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
        blocks += [block_for(path) for path in files]
        with endpoint_or_demo(scripted) as (params, _demo):
            llm = ChatNemotronOmni(**params)
            reply = llm.invoke([HumanMessage(content_blocks=blocks)], thinking=False)
            print(reply.content)


if __name__ == "__main__":
    main()
