"""manifest.yml passes Slack's manifest schema and declares exactly what the app registers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml

from bot.core.parser import SUBCOMMANDS

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "tests" / "fixtures" / "slack" / "manifest-schema"


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_validates_against_slacks_schema() -> None:
    data = manifest()
    major = data["_metadata"]["major_version"]
    schema = json.loads((SCHEMAS / f"manifest.schema.{major}.0.0.json").read_text())
    jsonschema.validate(data, schema)


def test_manifest_schema_rejects_a_broken_manifest() -> None:
    data = manifest()
    data["features"]["slash_commands"][0]["command"] = "fsync without slash"
    data["oauth_config"]["scopes"]["bot"].append(42)
    schema = json.loads((SCHEMAS / "manifest.schema.1.0.0.json").read_text())
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(data))
    assert errors


def test_manifest_declares_what_the_app_registers() -> None:
    data = manifest()
    assert [c["command"] for c in data["features"]["slash_commands"]] == ["/fsync"]
    assert data["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    sources = "".join(p.read_text() for p in (ROOT / "bot" / "slack").glob("*.py"))
    assert set(re.findall(r'@app\.command\("([^"]+)"\)', sources)) == {"/fsync"}
    assert set(re.findall(r'@app\.event\("([^"]+)"\)', sources)) == {"app_home_opened"}


def test_the_manifest_asks_for_files_write_so_a_chart_can_be_uploaded() -> None:
    """files.getUploadURLExternal and files.completeUploadExternal (files_upload_v2) name
    `files:write` as their bot scope: without it the digest's chart is refused missing_scope."""
    scopes = manifest()["oauth_config"]["scopes"]["bot"]
    assert "files:write" in scopes
    assert len(scopes) == len(set(scopes))


def test_every_subcommand_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in SUBCOMMANDS if f"/fsync {name}" not in readme]
    assert not missing, f"README lacks: {missing}"


def test_procfile_starts_the_bot() -> None:
    assert (ROOT / "Procfile").read_text().strip() == "web: fsync-bot run"
