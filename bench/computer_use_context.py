"""Computer-use context: what each step sends, and what each checkpoint holds, as a run grows.

One run of ``--steps`` steps (default 50) per policy, each against the same FakeNemotronServer
script (a ~300-character thought and a click-and-type tool call per step) on a drawn 1280x720
browser (``FakeBrowser``), checkpointed with ``SqliteSaver``:

* ``ours``: the agent's default policy: the last 3 screenshots inline, 8 older steps as text,
  screenshots in files and references in the state;
* ``naive``: what peers do (langgraph-cua-py keeps data URLs in its messages, no pruning):
  every screenshot inline in every request and stored base64 in the state.

Per step: bytes of the request body (``len(json.dumps(body))``), images sent, image tokens
(~pixels/1024 each, NVIDIA budgets 2040 per 1920x1080 screenshot), text tokens (the fake
server's prompt-token count minus its fixed per-image cost), and the serialized size of the
latest checkpoint (``serde.dumps_typed`` of the checkpointer's own checkpoint).
Target: ours flat once the windows are full (3 screenshots, 10 text steps: from step 14).

Run: ``uv run python bench/computer_use_context.py [--steps 50]``.
"""

from __future__ import annotations

import argparse
import base64
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from langgraph.checkpoint.sqlite import SqliteSaver

from langchain_nemotron_omni import ChatNemotronOmni
from langchain_nemotron_omni.agents.computer_use import (
    ComputerUseSettings,
    DirectoryScreenshots,
    create_computer_use_agent,
)
from langchain_nemotron_omni.agents.computer_use.demo import current_step
from langchain_nemotron_omni.agents.computer_use.fake import FakeBrowser
from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer
from langchain_nemotron_omni.testing.server import MEDIA_TOKEN_COST
from langchain_nemotron_omni.tool_xml import render_tool_call_xml

SIZE = (1280, 720)
THOUGHT = (
    "The form is on the left and the search field is near the top. I click into the field, "
    "type the query, and check the result list on the next screenshot before going on; if "
    "the list is empty I will scroll down to look for a pagination control or an error."
)
REPORT_STEPS = (1, 2, 3, 4, 5, 10, 20, 30, 40, 50)


class InlineScreenshots:
    """The naive store: the reference *is* the image (base64 in the graph state)."""

    def save(self, png: bytes, *, session: str, step: int, label: str = "step") -> str:  # noqa: ARG002
        return "data:image/png;base64," + base64.b64encode(png).decode("ascii")

    def load(self, ref: str) -> bytes:
        return base64.b64decode(ref.split(",", 1)[1])


def script(total: int) -> Any:
    def reply(request: ChatRequest) -> str:
        step = current_step(request)
        if step >= total:
            call = render_tool_call_xml("terminate", {"status": "success", "answer": "done"})
        else:
            actions = [
                {"action": "left_click", "coordinate": [0.31, 0.12]},
                {"action": "type", "text": f"query {step}"},
            ]
            call = render_tool_call_xml("computer", {"actions": actions})
        return f"{THOUGHT} (step {step})\n</think>\n{call}"

    return reply


def run(
    name: str, steps: int, folder: Path
) -> tuple[list[dict[str, float]], dict[int, int], float]:
    naive = name == "naive"
    window = 10**6 if naive else None
    store = InlineScreenshots() if naive else DirectoryScreenshots(folder / "shots")
    checkpoints: dict[int, int] = {}
    started = time.perf_counter()
    with (
        FakeNemotronServer(script(steps)) as server,
        SqliteSaver.from_conn_string(str(folder / f"{name}.sqlite")) as saver,
    ):
        agent = create_computer_use_agent(
            ChatNemotronOmni(base_url=server.base_url, model="nemotron"),
            FakeBrowser(SIZE),
            settings=ComputerUseSettings(
                max_steps=steps,
                image_history=window or ComputerUseSettings().image_history,
                text_history=window or ComputerUseSettings().text_history,
            ),
            screenshots=store,
            checkpointer=saver,
        )
        config: Any = {"configurable": {"thread_id": name}}
        for update in agent.stream(
            {"task": "Search for each query."}, config, stream_mode="updates"
        ):
            if "observe" in update and "step" in (update["observe"] or {}):
                tuple_ = saver.get_tuple(config)
                assert tuple_ is not None
                done = update["observe"]["step"] - 1
                checkpoints[done] = len(saver.serde.dumps_typed(tuple_.checkpoint)[1])
        final = saver.get_tuple(config)
        assert final is not None
        checkpoints[len(server.requests)] = len(saver.serde.dumps_typed(final.checkpoint)[1])
        requests = server.requests
    elapsed = time.perf_counter() - started
    rows = [_measure(request) for request in requests]
    return rows, checkpoints, elapsed


def _measure(request: ChatRequest) -> dict[str, float]:
    images = [
        part
        for message in request.messages
        if isinstance(message.get("content"), list)
        for part in message["content"]
        if part.get("type") == "image_url"
    ]
    image_tokens = len(images) * SIZE[0] * SIZE[1] / 1024
    text_tokens = request.prompt_tokens - MEDIA_TOKEN_COST["image"] * len(images)
    return {
        "kb": len(json.dumps(request.body)) / 1024,
        "images": len(images),
        "image_tokens": image_tokens,
        "text_tokens": text_tokens,
        "tokens": image_tokens + text_tokens,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--steps", type=int, default=50)
    steps = parser.parse_args().steps
    with tempfile.TemporaryDirectory() as tmp:
        ours, ours_ckpt, ours_time = run("ours", steps, Path(tmp))
        naive, naive_ckpt, naive_time = run("naive", steps, Path(tmp))
    shown = [s for s in REPORT_STEPS if s <= len(ours)]
    print(f"Computer-use context, {steps} steps, {SIZE[0]}x{SIZE[1]} screenshots, one run each")
    print(f"(ours {ours_time:.1f} s, naive {naive_time:.1f} s)\n")
    head = (
        f"{'step':>4} | {'request KB':>10} {'imgs':>4} {'img tok':>7} {'text tok':>8} "
        f"{'tokens':>7} | {'ckpt KB':>7} || {'naive KB':>9} {'imgs':>4} {'tokens':>7} "
        f"{'ckpt KB':>8}"
    )
    print(head)
    print("-" * len(head))
    for step in shown:
        o, n = ours[step - 1], naive[step - 1]
        o_ck = ours_ckpt.get(step, 0) / 1024
        n_ck = naive_ckpt.get(step, 0) / 1024
        print(
            f"{step:>4} | {o['kb']:>10.1f} {o['images']:>4.0f} {o['image_tokens']:>7.0f} "
            f"{o['text_tokens']:>8.0f} {o['tokens']:>7.0f} | {o_ck:>7.1f} || "
            f"{n['kb']:>9.1f} {n['images']:>4.0f} {n['tokens']:>7.0f} {n_ck:>8.1f}"
        )
    last = len(ours)
    print()
    for step in (5, 20, 50):
        if step <= last:
            print(
                f"step {step:>2}: tokens ours/naive {ours[step - 1]['tokens']:,.0f}/"
                f"{naive[step - 1]['tokens']:,.0f} "
                f"({naive[step - 1]['tokens'] / ours[step - 1]['tokens']:.1f}x), checkpoint "
                f"{ours_ckpt.get(step, 0) / 1024:.1f}/{naive_ckpt.get(step, 0) / 1024:.1f} KB"
            )
    full = 3 + 10 + 1  # the step from which both default windows are full
    late = [row["tokens"] for row in ours[full - 1 :]]
    late_ckpt = [size for step, size in ours_ckpt.items() if full <= step < last]
    if late and late_ckpt:
        print(
            f"ours, steps {full}-{last}: tokens vary by {(max(late) - min(late)) / min(late):.1%}, "
            f"checkpoints by {(max(late_ckpt) - min(late_ckpt)) / min(late_ckpt):.1%}"
        )


if __name__ == "__main__":
    main()
