"""FSYNC_WEB_URL: a link template checked when fsync starts, so a typo is a clear message from
`fsync-bot check` and `fsync-bot run`, not a broken link on every card."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from bot.check import describe_settings_errors
from bot.settings import Settings
from tests.test_check import env

TEMPLATE = "https://firestartr.example/workspaces/{workspace}/runs/{run}"


@pytest.mark.parametrize(
    "value", [TEMPLATE, "https://firestartr.example/ws/{workspace}", "https://fs.example/{{x}}"]
)
def test_a_template_with_known_placeholders_is_taken(value: str) -> None:
    assert Settings(web_url=value).web_url == value
    assert Settings(web_url="  ").web_url is None and Settings().web_url is None


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("https://fs.example/{wrkspace}", "unknown placeholder {wrkspace}"),
        ("https://fs.example/{run!r}", "unknown placeholder {run!r}"),
        ("https://fs.example/{}", "unknown placeholder {}"),
        ("https://fs.example/{run", "unmatched { or }"),
        ("firestartr.example/{run}", "must start with http:// or https://"),
    ],
)
def test_a_bad_template_is_refused_naming_the_setting(value: str, said: str) -> None:
    with pytest.raises(ValidationError) as info:
        Settings(web_url=value)
    text = describe_settings_errors(info.value)
    assert "FSYNC_WEB_URL" in text and said in text


@pytest.mark.parametrize(
    ("command", "code", "stream"), [("check", 1, "stdout"), ("run", 2, "stderr")]
)
def test_check_and_run_refuse_an_unknown_placeholder(
    tmp_path: object, command: str, code: int, stream: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", command],
        capture_output=True,
        text=True,
        timeout=30,
        env=env(FSYNC_WEB_URL="https://fs.example/{who}", FSYNC_DB_PATH=f"{tmp_path}/x.db"),
    )
    assert result.returncode == code
    said = getattr(result, stream)
    assert "FSYNC_WEB_URL" in said and "{who}; use {workspace} and {run}" in said
