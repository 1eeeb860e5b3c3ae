"""All settings in one place, read from ``TALKS_*`` environment variables and a ``.env`` file.

Grouped by concern (corpus and retrieval, answer log, Discord) but kept in one class so that
every part of the program sees the same validated values and one error path reports them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "TALKS_"
APP_NAME = "talks-bot"


def default_db_path() -> Path:
    """The user's data folder (``~/.local/share/talks-bot/talks.db`` on Linux), so the log is
    the same file whatever folder a command runs from, and never lands in a system folder."""
    return platformdirs.user_data_path(APP_NAME) / "talks.db"


def default_cache_dir() -> Path:
    """The user's cache folder (``~/.cache/talks-bot`` on Linux): safe to delete any time."""
    return platformdirs.user_cache_path(APP_NAME)


class SettingsError(Exception):
    """A setting has an invalid value; the message names the variable and never its value."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # --- corpus and retrieval -------------------------------------------------------------
    corpus_dir: Path | None = Field(
        default=None,
        description="Folder of *.txt articles; empty means articles/ in the user's data "
        "folder, copied from the shipped seeds on first use.",
    )
    top_k: int = Field(
        default=24,
        ge=1,
        le=100,
        description="Paragraphs retrieved per question; their sentences are the candidates read.",
    )
    max_quotes: int = Field(default=3, ge=1, le=3, description="Quotes shown per answer.")
    min_score: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Share of the question's weight the hand-written rules want a quote to "
        "cover: one signal of the decide step, which was fitted with the default (change it only "
        "to study the rules); empty means that default (retrieval.tuning.Tuning.min_score).",
    )
    max_question_chars: int = Field(default=300, ge=10, le=4000)
    bm25_variant: Literal["okapi", "plus", "l"] = "okapi"
    # A finite, sane saturation: inf or 1e308 would pass `gt=0` and overflow in the scoring.
    bm25_k1: float = Field(default=1.2, gt=0, le=100, allow_inf_nan=False)
    bm25_b: float = Field(default=0.75, ge=0, le=1)
    index_cache: bool = Field(default=True, description="Cache the analysed index on disk.")
    index_cache_dir: Path = Field(
        default_factory=default_cache_dir, description="Folder for the analysed index cache."
    )
    allow_local_urls: bool = Field(
        default=False,
        description="Let `talks-bot add URL` and /sources add fetch from loopback addresses "
        "(127.0.0.1, ::1): for tests and operators serving files locally. Private, link-local "
        "and multicast addresses stay refused.",
    )

    # --- answer log -------------------------------------------------------------------------
    db_path: Path = Field(default_factory=default_db_path, description="The answer log file.")
    db_url: SecretStr | None = Field(
        default=None,
        description="postgresql://user:password@host:port/database: keep the answer log on "
        "this PostgreSQL server instead of the TALKS_DB_PATH file (for several bot "
        "processes); a secret, never shown.",
    )
    log_retention_days: int | None = Field(
        default=None, ge=1, description="Delete log entries older than this, daily; none keeps all."
    )

    # --- Discord ----------------------------------------------------------------------------
    discord_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("TALKS_DISCORD_TOKEN", "DISCORD_TOKEN", "discord_token"),
    )
    guild_id: int | None = Field(default=None, gt=0)
    moderator_role_id: int | None = Field(default=None, gt=0)
    ask_cooldown_rate: int = Field(default=3, ge=1, description="/ask calls per user per period.")
    ask_cooldown_seconds: float = Field(default=30.0, ge=0)
    answer_threads: int = Field(
        default=0,
        ge=0,
        le=64,
        description="Threads the reader and the embedder compute on; 0: one per core this "
        "process may use.",
    )
    answer_batch: int = Field(
        default=8,
        ge=1,
        le=64,
        description="Questions waiting at once that are read together in one batch.",
    )
    answer_queue: int = Field(
        default=400,
        ge=1,
        le=100_000,
        description="Questions waiting to be answered at most; past it a member is told at "
        "once to ask again shortly.",
    )
    answer_wait_s: float = Field(
        default=60.0,
        gt=0,
        le=840,
        description="Longest wait for an answer to start: a question that would wait longer "
        "is told at once to ask again shortly (Discord keeps the answer slot 15 minutes).",
    )
    discord_api_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"

    @field_validator("db_path", "index_cache_dir", mode="before")
    @classmethod
    def _not_empty(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("is empty; give a path, or unset the variable for the default")
        return value

    @field_validator("db_url", mode="after")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        url = value.get_secret_value().strip()
        if not url:
            return None  # empty: the SQLite file
        if not url.startswith(("postgresql://", "postgres://")):
            raise ValueError("must start with postgresql:// (or be empty for the SQLite file)")
        if any(c.isspace() for c in url):
            raise ValueError("contains a space or line break")
        return SecretStr(url)

    @field_validator("discord_token", mode="after")
    @classmethod
    def _one_line_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        token = value.get_secret_value().strip()
        if token.split(" ", 1)[0].lower() == "bot" and len(token.split()) == 2:
            raise ValueError(
                "starts with 'Bot ': give the token alone, without the 'Bot ' prefix that "
                "HTTP headers put before it"
            )
        if any(c.isspace() for c in token):
            raise ValueError("contains a line break or space: copy the token again, as one line")
        return SecretStr(token)


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning a validation error into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe_error(exc)) from None
    except UnicodeDecodeError as exc:
        raise SettingsError(
            f".env in {Path.cwd()} is not UTF-8 text (byte offset {exc.start}): save it as "
            "UTF-8 or remove it"
        ) from None


def describe_error(exc: ValidationError) -> str:
    """Name each bad variable and what is wrong, leaving out the input (it may be a secret)."""
    lines = []
    for err in exc.errors(include_input=False, include_url=False):
        field = str(err["loc"][0]).upper() if err["loc"] else "?"
        name = field if field.startswith(ENV_PREFIX) or field == "DISCORD_TOKEN" else (
            ENV_PREFIX + field
        )  # fmt: skip
        message = err["msg"].removeprefix("Value error, ")
        lines.append(f"invalid setting {name}: {message}")
    return "; ".join(lines)
