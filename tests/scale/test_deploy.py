"""The production deployment files: docker-compose.yml parses, runs commands our CLI has, keeps no secret."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = {"migrate", "api", "worker", "beat"}
ENGINES = {"postgres": "postgres", "redis": "redis", "elasticsearch": "elasticsearch"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def interpolate(value: str) -> str:
    """What compose makes of ``${NAME:?…}``, ``${NAME:-default}`` and ``$$`` (a stand-in for the value)."""
    value = re.sub(r"\$\{(\w+):-([^}]*)\}", r"\2", value)
    value = re.sub(r"\$\{(\w+):\?[^}]*\}", r"<\1>", value)
    return value.replace("$$", "$")


def muqing(argv: list[str]) -> None:
    """Parse ``argv`` (``muqing …``) with our real CLI, as far as options go; fails on unknown commands/options."""
    from cli import app

    assert argv[0] == "muqing", argv
    result = CliRunner().invoke(app, [*argv[1:], "--help"])
    assert result.exit_code == 0, f"`{' '.join(argv)}` is not a command of ours: {result.output}"


def test_the_compose_file_has_the_six_services_with_volumes_and_health_checks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {*ENGINES, *APP_SERVICES}
    for name, service in services.items():
        if name != "migrate":
            assert "healthcheck" in service and service["healthcheck"]["test"], f"{name} has no health check"
        assert service.get("restart") in ("unless-stopped", "no"), name
    mounts = {name: service.get("volumes", []) for name, service in services.items()}
    for name in ("postgres", "redis", "elasticsearch", "api", "worker", "beat"):
        assert mounts[name], f"{name} keeps its data in no volume"
        for mount in mounts[name]:
            assert mount.split(":")[0] in compose["volumes"], f"{name}: {mount} is not a named volume"
    for name in APP_SERVICES - {"migrate"}:
        conditions = services[name]["depends_on"]
        assert conditions["migrate"]["condition"] == "service_completed_successfully"
        assert conditions["redis"]["condition"] == conditions["elasticsearch"]["condition"] == "service_healthy"


def test_engines_use_official_images_pinned_to_a_version(compose: dict[str, Any]) -> None:
    for name, image in ENGINES.items():
        reference = compose["services"][name]["image"]
        repository, _, tag = reference.partition(":")
        assert repository == image, f"{name}: {reference} is not the official image"
        assert re.fullmatch(r"\d+(\.\d+)+(-\w+)?", tag), f"{name}: {reference} is not pinned to a version"
    elasticsearch = compose["services"]["elasticsearch"]["image"]
    services_script = (ROOT / "scripts" / "services.sh").read_text(encoding="utf-8")
    tested = re.search(r"ES_VERSION=([\d.]+)", services_script)
    assert tested is not None and elasticsearch.endswith(f":{tested.group(1)}"), "deploy the version the tests run"


def test_every_service_command_and_health_check_exists_in_our_cli(compose: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        service = compose["services"][name]
        muqing([interpolate(part) for part in service["command"]])
        test = service.get("healthcheck", {}).get("test", [])
        if test and test[0] == "CMD" and test[1] == "muqing":
            muqing([interpolate(part) for part in test[1:]])
        if test and test[0] == "CMD-SHELL" and test[1].startswith("celery"):
            app_path = shlex.split(test[1])[2]
            module, _, attribute = app_path.partition(":")
            assert getattr(__import__(module, fromlist=[attribute]), attribute) is not None
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    default = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert default is not None
    muqing(yaml.safe_load(default.group(1)))


def test_settings_come_from_the_environment_and_no_secret_has_a_default(compose: dict[str, Any]) -> None:
    from core.config import Settings

    environment = compose["x-app"]["environment"]
    fields = {f"MUQING_{name.upper()}" for name in Settings.model_fields}
    assert set(environment) <= fields, f"unknown settings: {set(environment) - fields}"
    assert environment["MUQING_ENV"] == "production"
    assert environment["MUQING_SEARCH_BACKEND"] == "elasticsearch"
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    secrets = ("MUQING_SECRET_KEY", "MUQING_DB_PASSWORD", "MUQING_REDIS_PASSWORD", "MUQING_ES_PASSWORD")
    for secret in secrets:
        uses = re.findall(rf"\$\{{{secret}(:?[?-]?)[^}}]*\}}", text)
        assert uses and set(uses) == {":?"}, f"{secret} must be required (${{{secret}:?…}}), never defaulted"
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET", key):
                assert str(value).startswith("${") and ":?" in str(value), f"{name}.{key} has a literal secret"


def test_the_image_runs_as_a_user_and_ships_every_package(compose: dict[str, Any]) -> None:
    import tomllib

    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    base = re.search(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert base is not None and re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base.group(1))
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE)
    assert "uv sync --locked --no-dev" in dockerfile
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]
    for package in packages["targets"]["wheel"]["only-include"]:
        assert re.search(rf"^COPY {re.escape(package)} ", dockerfile, re.MULTILINE), f"{package} is not copied"
