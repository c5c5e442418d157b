"""The deployment's rules under ``langgraph dev``: keys stay with their endpoints, files
named in messages are read only under the deployment's media folder.

The same checks run on the production server in ``test_production_deployment.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from langchain_nemotron_omni.testing import FakeNemotronServer
from tests.capture_server import CaptureServer
from tests.integration.langgraph_dev import langgraph_dev
from tests.integration.served_graphs import (
    SECRETS,
    BothGraphs,
    check_keys_stay_with_their_endpoints,
    check_message_files,
    deployment_env,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[SyncLangGraphClient, FakeNemotronServer, CaptureServer, CaptureServer, Path]]:
    docs = tmp_path_factory.mktemp("docs")
    media = tmp_path_factory.mktemp("media")
    with (
        FakeNemotronServer(BothGraphs(), api_key=SECRETS["VLLM_API_KEY"]) as model,
        CaptureServer() as side,
        CaptureServer() as elsewhere,
    ):
        env = {**deployment_env(model, side, docs), "NEMOTRON_OMNI_LOCAL_FILES": str(media)}
        with langgraph_dev(env=env) as url:
            yield get_sync_client(url=url, timeout=60), model, side, elsewhere, media


def test_runs_cannot_send_the_deployments_keys_elsewhere(
    served: tuple[SyncLangGraphClient, FakeNemotronServer, CaptureServer, CaptureServer, Path],
) -> None:
    client, model, side, elsewhere, _ = served
    check_keys_stay_with_their_endpoints(client, model, side, elsewhere)


def test_message_files_only_from_the_media_folder(
    served: tuple[SyncLangGraphClient, FakeNemotronServer, CaptureServer, CaptureServer, Path],
) -> None:
    client, model, _, _, media = served
    check_message_files(client, model, media_root=media)
