"""Token estimates, budget charging and settings of the document-QA agent."""

from __future__ import annotations

import base64
import io

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from PIL import Image

from langchain_nemotron_omni.agents.document_qa import DocQASettings, SettingsError
from langchain_nemotron_omni.agents.document_qa.accounting import charge, new_usage, reply_tokens
from langchain_nemotron_omni.agents.document_qa.tokens import (
    MAX_IMAGE_PIXELS,
    MAX_IMAGE_TOKENS,
    MIN_IMAGE_TOKENS,
    Calibration,
    Estimate,
    data_url_image_size,
    estimate_messages,
    image_tokens,
    render_scale,
    rendered_size,
    text_tokens,
)


def _data_url(width: int, height: int) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_letter_page_at_144_dpi_costs_about_1900_tokens() -> None:
    size = rendered_size(612, 792, render_scale(612, 792, 144))
    assert size == (1224, 1584)
    assert image_tokens(*size) == 1894  # ceil(1224 * 1584 / 1024)


def test_image_tokens_are_clamped_to_the_patch_limits() -> None:
    assert image_tokens(10, 10) == MIN_IMAGE_TOKENS == 256
    assert image_tokens(10_000, 10_000) == MAX_IMAGE_TOKENS == 3328
    assert image_tokens(1024, 1024) == 1024


def test_render_scale_stops_at_the_pixel_cap() -> None:
    assert render_scale(612, 792, 72) == 1.0
    scale = render_scale(612, 792, 600)
    width, height = rendered_size(612, 792, scale)
    assert width * height <= MAX_IMAGE_PIXELS * 1.001
    assert scale < 600 / 72


def test_text_tokens_are_a_quarter_of_the_characters() -> None:
    assert text_tokens("") == 0
    assert text_tokens("abcd") == 1
    assert text_tokens("abcde") == 2


def test_data_url_size_is_read_from_the_image() -> None:
    assert data_url_image_size(_data_url(300, 200)) == (300, 200)
    assert data_url_image_size("data:image/png;base64,bm90IGFuIGltYWdl") is None
    assert data_url_image_size("https://example.com/x.png") is None


def test_estimate_counts_text_images_tool_calls_and_tools() -> None:
    messages = [
        HumanMessage(
            content=[
                {"type": "text", "text": "x" * 400},
                {"type": "image_url", "image_url": {"url": _data_url(1024, 1024)}},
            ]
        ),
        AIMessage("", tool_calls=[{"name": "zoom", "args": {"page": 3}, "id": "1"}]),
        ToolMessage("y" * 40, tool_call_id="1"),
    ]
    bare = estimate_messages(messages)
    assert bare.images == 1024
    assert bare.image_count == 1
    assert bare.text >= 100 + 10
    with_tools = estimate_messages(
        messages, [{"type": "function", "function": {"name": "z" * 400}}]
    )
    assert with_tools.text > bare.text + 100


def test_calibration_learns_text_only_and_never_scales_down() -> None:
    calibration = Calibration()
    estimate = Estimate(text=1000, images=2000, image_count=1)
    calibration.observe(estimate, 2500)  # server counts fewer than estimated: keep 1.0
    assert calibration.text_factor == 1.0
    calibration.observe(estimate, 3500)  # 1500 text tokens where 1000 were estimated
    assert calibration.text_factor == pytest.approx(1.5)
    assert calibration.tokens(estimate) == 1500 + 2000
    calibration.observe(estimate, 100_000)
    assert calibration.text_factor == calibration.max_factor


def test_a_call_is_charged_the_larger_prompt_count() -> None:
    usage = new_usage(10_000, 50_000)
    estimate = Estimate(text=100, images=1900, image_count=1)
    reported = AIMessage(
        "ok", usage_metadata={"input_tokens": 356, "output_tokens": 7, "total_tokens": 363}
    )
    after = charge(usage, estimate, Calibration(), reported)
    assert (after["prompt"], after["completion"], after["reported_prompt"]) == (2000, 7, 356)
    assert after["total"] == 2007
    assert after["calls"] == 1
    bigger = AIMessage(
        "ok", usage_metadata={"input_tokens": 5000, "output_tokens": 7, "total_tokens": 5007}
    )
    assert charge(usage, estimate, Calibration(), bigger)["prompt"] == 5000


def test_completion_is_estimated_when_the_server_reports_no_usage() -> None:
    reply = AIMessage(
        "a" * 40,
        tool_calls=[{"name": "answer", "args": {"answer": "b" * 40}, "id": "1"}],
        additional_kwargs={"reasoning_content": "c" * 80},
    )
    assert reply_tokens(reply) >= 10 + 10 + 20
    after = charge(new_usage(1000, 0), Estimate(10, 0, 0), Calibration(), reply)
    assert after["completion"] == reply_tokens(reply)
    assert after["reported_prompt"] == 0


def test_context_overrides_only_what_it_sets() -> None:
    base = DocQASettings(budget_tokens=9000, dpi=100)
    applied = base.updated(DocQASettings(budget_tokens=5000))
    assert (applied.budget_tokens, applied.dpi) == (5000, 100)
    assert base.updated({"budget_tokens": 5000}) == applied
    assert base.updated(DocQASettings()) == base
    assert base.updated(None) == base


@pytest.mark.parametrize(
    "bad", [{"budget_tokens": 0}, {"dpi": -1}, {"max_steps": True}, {"image_window": -1}]
)
def test_bad_settings_are_refused(bad: dict[str, int]) -> None:
    with pytest.raises(SettingsError):
        DocQASettings.parse(bad)
    with pytest.raises(SettingsError):
        DocQASettings().updated(bad)


def test_zero_image_window_and_zero_direct_pages_are_allowed() -> None:
    assert DocQASettings(image_window=0, direct_max_pages=0).image_window == 0
