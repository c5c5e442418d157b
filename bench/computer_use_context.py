"""Computer-use context: what each step sends, and what each checkpoint holds, as a run grows.

Runs against the same FakeNemotronServer script (a ~1,200-character thought and a
click-and-type tool call per step) on a drawn 1280x720 browser (``FakeBrowser``),
checkpointed with ``SqliteSaver``:

* ``ours``: the agent's history as NVIDIA's harness sends it (every earlier turn, call and
  result kept, screenshots only for the last 3), bounded by the text budget derived from
  the served context (``max_model_len``): the default 131,072 tokens, and a 32,768-token
  server whose smaller budget the run reaches; finished steps live in the step log (files)
  and screenshots in files, so the state holds only the current step;
* ``naive``: what peers do (langgraph-cua-py keeps data URLs in its messages, no pruning):
  every screenshot inline in every request and stored base64 in the state.

Per step: tokens sent (image tokens at ~pixels/1024 each, as NVIDIA budgets 2,040 per
1920x1080 screenshot, plus text tokens: the fake server's prompt-token count minus its fixed
per-image cost), and the serialized size of the latest checkpoint (``serde.dumps_typed`` of the
checkpointer's own checkpoint). The text budget counts characters / 4, as NVIDIA's harness
does (the fake server's tokenizer counts more tokens for the same text); the summary lines
check the bound in the budget's own count.

Run: ``uv run python bench/computer_use_context.py [--steps 150] [--naive-steps 50]``.
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
from langchain_nemotron_omni.agents.computer_use.history import CHARS_PER_TOKEN, ContextPolicy
from langchain_nemotron_omni.testing import ChatRequest, FakeNemotronServer
from langchain_nemotron_omni.testing.server import MEDIA_TOKEN_COST
from langchain_nemotron_omni.tool_xml import render_tool_call_xml

SIZE = (1280, 720)
THOUGHT = (
    "The form is on the left and the search field is near the top. I click into the field, "
    "type the query, and check the result list on the next screenshot before going on; if "
    "the list is empty I will scroll down to look for a pagination control or an error. "
) * 5
REPORT_STEPS = (1, 2, 3, 5, 10, 20, 30, 40, 50, 75, 100, 125, 150)
SMALL_SERVER = 32_768


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
        return f"{THOUGHT}(step {step})\n</think>\n{call}"

    return reply


def run(
    name: str, steps: int, folder: Path, *, max_model_len: int = 131_072
) -> tuple[list[dict[str, float]], dict[int, int], float]:
    naive = name == "naive"
    store = InlineScreenshots() if naive else DirectoryScreenshots(folder / name)
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
                image_history=1_000 if naive else 3,
                max_model_len=10**9 if naive else max_model_len,
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
    return [_measure(request) for request in requests], checkpoints, elapsed


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
        "estimate": _chars(request) // CHARS_PER_TOKEN,
        "kb": len(json.dumps(request.body)) / 1024,
        "images": len(images),
        "image_tokens": image_tokens,
        "text_tokens": text_tokens,
        "tokens": image_tokens + text_tokens,
    }


def _chars(request: ChatRequest) -> int:
    """The history's characters as the text budget counts them (system prompt excluded)."""
    chars = 0
    for message in request.messages[1:]:
        content = message.get("content")
        if isinstance(content, str):
            chars += len(content)
        elif isinstance(content, list):
            chars += sum(len(p.get("text", "")) for p in content if p.get("type") == "text")
        for call in message.get("tool_calls") or []:
            chars += len(call["function"]["name"]) + len(call["function"]["arguments"])
        chars += len(message.get("reasoning_content") or message.get("reasoning") or "")
    return chars


def _cell(rows: list[dict[str, float]], ckpt: dict[int, int], step: int) -> str:
    if step > len(rows):
        return f"{'':>7} {'':>7} {'':>7}"
    row = rows[step - 1]
    return f"{row['text_tokens']:>7,.0f} {row['tokens']:>7,.0f} {ckpt.get(step, 0) / 1024:>7.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--naive-steps", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ours, ours_ckpt, ours_time = run("ours", args.steps, Path(tmp))
        small, small_ckpt, small_time = run(
            "small", args.steps, Path(tmp), max_model_len=SMALL_SERVER
        )
        naive, naive_ckpt, naive_time = run("naive", args.naive_steps, Path(tmp))
    budget = ContextPolicy().text_budget
    small_budget = ContextPolicy(max_model_len=SMALL_SERVER).text_budget
    print(
        f"Computer-use context, {SIZE[0]}x{SIZE[1]} screenshots, "
        f"a {len(THOUGHT)}-character thought per step, one run each "
        f"(ours {ours_time:.1f} s, small server {small_time:.1f} s, naive {naive_time:.1f} s)"
    )
    print(
        f"text budget: {budget:,} tokens at max_model_len 131,072; "
        f"{small_budget:,} at {SMALL_SERVER:,}\n"
    )
    head = (
        f"{'step':>4} | {'ours: text':>10} {'tokens':>7} {'ckpt KB':>7} | "
        f"{'32K: text':>9} {'tokens':>7} {'ckpt KB':>7} | {'naive: text':>11} {'tokens':>7} "
        f"{'ckpt KB':>7}"
    )
    print(head)
    print("-" * len(head))
    for step in REPORT_STEPS:
        if step > max(len(ours), len(naive)):
            continue
        print(
            f"{step:>4} | {_cell(ours, ours_ckpt, step):>26} | {_cell(small, small_ckpt, step):>25}"
            f" | {_cell(naive, naive_ckpt, step):>27}"
        )
    print()
    for label, rows, ckpt, cap in (
        ("ours", ours, ours_ckpt, budget),
        ("32K server", small, small_ckpt, small_budget),
    ):
        late = [size for step, size in ckpt.items() if 3 <= step < len(rows)]
        top = max(row["estimate"] for row in rows)
        print(
            f"{label}: history text at most {top:,.0f} tokens as the budget counts them "
            f"(characters / {CHARS_PER_TOKEN}; budget {cap:,}); checkpoints from step 3 on "
            f"{min(late) / 1024:.1f}-{max(late) / 1024:.1f} KB"
        )
    step = min(len(ours), len(naive))
    print(
        f"step {step}: tokens ours/naive {ours[step - 1]['tokens']:,.0f}/"
        f"{naive[step - 1]['tokens']:,.0f}, checkpoint {ours_ckpt.get(step, 0) / 1024:.1f}/"
        f"{naive_ckpt.get(step, 0) / 1024:.1f} KB"
    )


if __name__ == "__main__":
    main()
