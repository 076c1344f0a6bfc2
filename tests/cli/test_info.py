"""``xlink info``: versions and environment, as text and JSON."""

from __future__ import annotations

import json
from importlib import metadata

from typer.testing import CliRunner

from xlink.cli import app
from xlink.cli.info import PACKAGES, installed_versions


def test_info_json_lists_packages_and_environment() -> None:
    result = CliRunner().invoke(app, ["info", "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["packages"]["xlink"] == metadata.version("xlink")
    assert set(record["packages"]) == set(PACKAGES)
    assert {"python", "torch_threads", "cuda", "cpu_bf16", "cache_dir", "data_dir", "data_dir_exists"} <= set(record)


def test_info_text_and_missing_packages() -> None:
    result = CliRunner().invoke(app, ["info"])
    assert result.exit_code == 0 and "xlink" in result.stdout and "torch_threads" in result.stdout
    versions = installed_versions()
    assert versions["spacy"] == metadata.version("spacy")
    assert all(v is None or isinstance(v, str) for v in versions.values())
