"""Settings: the only place fsync reads the environment.

`Settings()` is built once at start-up and passed down; tests construct `Settings(...)` directly.
Every environment name below is a public contract documented in the README.
"""

from __future__ import annotations

import os
import string
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CsvList = Annotated[list[str], NoDecode]
# FSYNC_WEB_URL's placeholders: the workspace name and the run id, percent-encoded when filled in.
WEB_URL_PLACEHOLDERS = ("workspace", "run")


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    return value


POSTGRES_SCHEMES = ("postgresql://", "postgres://")  # FSYNC_DATABASE_URL


class Settings(BaseSettings):
    """fsync's configuration. Field names map to the upper-case environment names."""

    model_config = SettingsConfigDict(
        env_prefix="", case_sensitive=False, extra="ignore", populate_by_name=True
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    port: int = Field(default=3000, ge=1, le=65535)
    # Socket Mode serves /healthz, /readyz and /metrics here (HTTP mode serves them on `port`).
    health_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("FSYNC_HEALTH_PORT", "health_port"),
    )

    firestartr_api_url: str = "https://api.firestartr.pro"
    firestartr_api_key: SecretStr | None = None
    firestartr_rate_limit: int = Field(default=100, ge=1, le=100_000)

    db_path: Path = Field(
        default=Path("./fsync.db"), validation_alias=AliasChoices("FSYNC_DB_PATH", "db_path")
    )
    # PostgreSQL instead of the SQLite file, for replicas (it may carry a password: a secret).
    database_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("FSYNC_DATABASE_URL", "database_url")
    )
    poll_interval: float = Field(
        default=30.0,
        gt=0,
        le=86_400,
        validation_alias=AliasChoices("FSYNC_POLL_INTERVAL", "poll_interval"),
    )
    # Days of history (runs, episodes) kept for `/fsync history`; older rows are pruned hourly.
    history_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        validation_alias=AliasChoices("FSYNC_HISTORY_DAYS", "history_days"),
    )
    alert_channel: str | None = Field(
        default=None, validation_alias=AliasChoices("FSYNC_ALERT_CHANNEL", "alert_channel")
    )
    admins: CsvList = Field(
        default_factory=list, validation_alias=AliasChoices("FSYNC_ADMINS", "admins")
    )
    operators: CsvList = Field(
        default_factory=list, validation_alias=AliasChoices("FSYNC_OPERATORS", "operators")
    )
    protected: CsvList = Field(
        default_factory=lambda: ["prod*"],
        validation_alias=AliasChoices("FSYNC_PROTECTED", "protected"),
    )

    # Links to Firestartr's web UI where the API gives a run none, e.g.
    # https://firestartr.example/workspaces/{workspace}/runs/{run} (README: FSYNC_WEB_URL).
    web_url: str | None = Field(
        default=None, validation_alias=AliasChoices("FSYNC_WEB_URL", "web_url")
    )

    @field_validator("web_url")
    @classmethod
    def _web_url_template(cls, value: str | None) -> str | None:
        return check_web_url(value)

    # Workspaces (globs) whose plans the person who requested the run may not approve.
    four_eyes: CsvList = Field(
        default_factory=list, validation_alias=AliasChoices("FSYNC_FOUR_EYES", "four_eyes")
    )

    @field_validator("admins", "operators", "protected", "four_eyes", mode="before")
    @classmethod
    def _csv(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not value.get_secret_value().startswith(POSTGRES_SCHEMES):
            raise ValueError(
                "must be a PostgreSQL URL, postgresql://user:password@host:5432/dbname "
                "(leave it unset for the SQLite file FSYNC_DB_PATH)"
            )
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("firestartr_api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @property
    def database(self) -> str:
        """Where the tables are: FSYNC_DATABASE_URL when set, else the file FSYNC_DB_PATH."""
        return self.secret(self.database_url) or str(self.db_path)

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @staticmethod
    def secret(value: SecretStr | None) -> str:
        return value.get_secret_value() if value is not None else ""


def check_web_url(value: str | None) -> str | None:
    """FSYNC_WEB_URL as given (None when empty), or ValueError saying what is wrong with it."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    allowed = " and ".join(f"{{{p}}}" for p in WEB_URL_PLACEHOLDERS)
    try:
        fields = list(string.Formatter().parse(value))
    except ValueError:
        raise ValueError(f"has an unmatched {{ or }}; the placeholders are {allowed}") from None
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in WEB_URL_PLACEHOLDERS or spec or conversion:
            shown = (
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            raise ValueError(f"has an unknown placeholder {shown}; use {allowed}")
    return value


# Environment name of each field, for error reports that speak the user's language.
ENV_NAMES: dict[str, str] = {
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_api_url": "SLACK_API_URL",
    "port": "PORT",
    "health_port": "FSYNC_HEALTH_PORT",
    "firestartr_api_url": "FIRESTARTR_API_URL",
    "firestartr_api_key": "FIRESTARTR_API_KEY",
    "firestartr_rate_limit": "FIRESTARTR_RATE_LIMIT",
    "db_path": "FSYNC_DB_PATH",
    "database_url": "FSYNC_DATABASE_URL",
    "poll_interval": "FSYNC_POLL_INTERVAL",
    "history_days": "FSYNC_HISTORY_DAYS",
    "alert_channel": "FSYNC_ALERT_CHANNEL",
    "admins": "FSYNC_ADMINS",
    "operators": "FSYNC_OPERATORS",
    "protected": "FSYNC_PROTECTED",
    "web_url": "FSYNC_WEB_URL",
    "four_eyes": "FSYNC_FOUR_EYES",
}

SECRET_NAMES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "FIRESTARTR_API_KEY",
    "FSYNC_DATABASE_URL",
)


def take_secrets_from_environment() -> None:
    """Once `Settings()` has read them, the secrets leave the process environment: then no
    library reads them behind Settings' back (Bolt's App picks SLACK_BOT_TOKEN up by itself and,
    given fsync's client too, warns "As you gave `client` as well, `token` will be unused" on
    every start), and no child process inherits them."""
    for name in [n for n in os.environ if n.upper() in SECRET_NAMES]:
        del os.environ[name]
