"""Settings that guard the installation: the signing key in production, the data directory's mode."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.config import Settings


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("change-me-in-production", "real secret"),
        ("a", "too weak"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "too weak"),
        ("correct-horse-battery", "too weak"),
    ],
)
def test_production_refuses_an_empty_or_weak_secret_key_saying_how_to_make_one(key: str, says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(env="production", secret_key=key)
    assert says in str(refused.value) and "openssl rand -hex 32" in str(refused.value)


def test_production_accepts_a_random_key_and_development_an_empty_one(tmp_path: Path) -> None:
    strong = "9c2f6e1ab47d03c85e9f1b26d7a4c08e3f5b9d2a61c7e04f"
    assert Settings(env="production", secret_key=strong).signing_key == strong
    development = Settings(env="development", secret_key="", data_dir=tmp_path / "dev")
    assert len(development.signing_key) >= 40  # a random per-install key, never the empty string


def test_the_data_directory_is_created_for_its_owner_only(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var" / "muqing")
    created = settings.resolved_data_dir
    assert stat.S_IMODE(created.stat().st_mode) == 0o700
    assert settings.signing_key and stat.S_IMODE((created / "secret_key").stat().st_mode) == 0o600
