"""``langgraph.json`` builds an image the graphs can run in.

No Docker here: the image is checked as ``langgraph dockerfile`` writes it (the CLI's own
validation and Dockerfile generation), and its extras against ``pyproject.toml``.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from langgraph_cli.config import config_to_docker, validate_config_file
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]
GRAPH_EXTRAS = ("browser",)
"""The extras the served graphs import (Playwright for the computer-use browser)."""


def _pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _extra_requirements(extra: str) -> set[str]:
    """What installing ``extra`` installs, with the extras it names of this package expanded."""
    project = _pyproject()["project"]
    found: set[str] = set()
    for text in project["optional-dependencies"][extra]:  # type: ignore[index]
        requirement = Requirement(text)
        if requirement.name == project["name"]:  # type: ignore[index]
            for inner in requirement.extras:
                found |= _extra_requirements(inner)
        else:
            found.add(str(requirement))
    return found


def test_the_cli_accepts_the_config() -> None:
    config = validate_config_file(ROOT / "langgraph.json")
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])  # type: ignore[index]
    assert config["python_version"] in requires
    for spec in config["graphs"].values():
        path, _, attr = str(spec).partition(":")
        assert (ROOT / path).is_file()
        assert f"\n{attr} = " in (ROOT / path).read_text()
    assert config["env"] == ".env"
    assert (ROOT / ".env.example").is_file()


def test_the_image_installs_chromium_and_the_graphs_extras() -> None:
    config = validate_config_file(ROOT / "langgraph.json")
    dockerfile, _ = config_to_docker(ROOT / "langgraph.json", config)
    lines = dockerfile.splitlines()
    assert any(re.search(r"apt-get install .*\bchromium\b", line) for line in lines)
    installed = {
        str(Requirement(req))
        for line in config["dockerfile_lines"]
        if "pip install" in line
        for req in re.findall(r"'([^']+)'", line)
    }
    needed = {req for extra in GRAPH_EXTRAS for req in _extra_requirements(extra)}
    assert installed == needed
    # The image serves the graphs from the copied project.
    graphs_line = next(line for line in lines if line.startswith("ENV LANGSERVE_GRAPHS="))
    served = json.loads(graphs_line.split("=", 1)[1].strip("'"))
    assert set(served) == {"computer_use", "document_qa"}
    assert all(path.startswith("/deps/") for path in served.values())
