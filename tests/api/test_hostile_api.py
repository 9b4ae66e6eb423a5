"""Smaller findings of the security probe, each as a user or an outsider would meet it through the API."""

from __future__ import annotations

import os

from fastapi.testclient import TestClient

from tests.conftest import Login


def test_the_services_health_names_no_internal_path_without_login(
    client: TestClient, login: Login, people: None
) -> None:
    data_dir = os.environ["MUQING_DATA_DIR"]
    anonymous = client.get("/api/health/services")
    assert anonymous.status_code == 200
    assert data_dir not in anonymous.text and "sqlite:" not in anonymous.text
    assert {name: set(state) for name, state in anonymous.json()["services"].items()} == {
        "database": {"engine", "ok"},
        "queue": {"engine", "ok"},
        "search": {"engine", "ok"},
    }
    signed_in = client.get("/api/health/services", headers=login("duty")).json()
    assert "address" in signed_in["services"]["database"]
