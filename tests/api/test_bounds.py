"""No 500 from input: numbers a client sends are bounded, absurd ones are a 422 naming the field."""

from __future__ import annotations

import importlib
import pkgutil
import typing
from typing import Any

import annotated_types
import pytest
from fastapi.routing import APIRoute, APIRouter
from fastapi.testclient import TestClient

from tests.conftest import Login
from tests.factories import make_alert, make_post

HUGE = 2**63  # one past the largest signed 64-bit integer
TOO_BIG = 2**64 + 7


def _request_schemas(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every schema a client fills in: parameters and request bodies, with references followed."""
    found: list[tuple[str, dict[str, Any]]] = []
    components = spec["components"]["schemas"]

    def walk(where: str, schema: dict[str, Any], seen: frozenset[str]) -> None:
        ref = schema.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                walk(f"{where}→{name}", components[name], seen | {name})
            return
        found.append((where, schema))
        for key in ("anyOf", "oneOf", "allOf"):
            for option in schema.get(key, []):
                walk(where, option, seen)
        for name, child in schema.get("properties", {}).items():
            walk(f"{where}.{name}", child, seen)
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                walk(f"{where}[]", schema[key], seen)

    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                walk(f"{method.upper()} {path} {parameter['name']}", parameter["schema"], frozenset())
            for media in operation.get("requestBody", {}).get("content", {}).values():
                walk(f"{method.upper()} {path} body", media["schema"], frozenset())
    return found


def test_every_integer_in_the_openapi_requests_has_a_minimum_and_a_maximum(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    unbounded = [
        where
        for where, schema in _request_schemas(spec)
        if schema.get("type") == "integer"
        and ("maximum" not in schema or ("minimum" not in schema and "exclusiveMinimum" not in schema))
    ]
    assert unbounded == []
    ids = [schema for where, schema in _request_schemas(spec) if where.endswith("{alert_id} alert_id")]
    assert ids and all(schema["maximum"] == 2**63 - 1 for schema in ids)


def _bounded(annotation: Any) -> bool:
    """True when every int inside ``annotation`` carries a lower and an upper bound."""
    if annotation is int:
        return False
    if typing.get_origin(annotation) is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        if base is int:
            low = any(isinstance(m, annotated_types.Ge | annotated_types.Gt) for m in metadata)
            high = any(isinstance(m, annotated_types.Le | annotated_types.Lt) for m in metadata)
            for m in metadata:
                if isinstance(m, annotated_types.Interval):
                    low = low or m.ge is not None or m.gt is not None
                    high = high or m.le is not None or m.lt is not None
            return low and high
        return _bounded(base)
    return all(_bounded(arg) for arg in typing.get_args(annotation))


def test_every_integer_parameter_of_pages_and_api_is_bounded(client: TestClient) -> None:
    import api.routes
    import web.routes

    unbounded = []
    for package in (api.routes, web.routes):
        for module_info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            router = getattr(module, "router", None)
            if not isinstance(router, APIRouter):
                continue
            for route in router.routes:
                if not isinstance(route, APIRoute):
                    continue
                dependants = [route.dependant]
                while dependants:
                    dependant = dependants.pop()
                    dependants.extend(dependant.dependencies)
                    for field in [*dependant.path_params, *dependant.query_params, *dependant.body_params]:
                        annotation: Any = field.field_info.annotation
                        for metadata in field.field_info.metadata:
                            annotation = typing.Annotated[annotation, metadata]
                        if not _bounded(annotation):
                            unbounded.append(f"{sorted(route.methods or ())} {route.path} {field.name}")
    assert unbounded == []


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/crawl-runs?offset={HUGE}", "offset"),
        (f"/api/crawl-runs?source_id={HUGE}", "source_id"),
        (f"/api/feedback?offset={HUGE}", "offset"),
        (f"/api/notifications?after_id={TOO_BIG}", "after_id"),
        (f"/api/notifications/deliveries?offset={HUGE}", "offset"),
        (f"/api/posts/1/evidence/{TOO_BIG}", "snapshot_id"),
        (f"/api/posts/{TOO_BIG}/evidence", "post_id"),
        (f"/api/routing/rules/{HUGE}", "rule_id"),
        (f"/api/alerts/{HUGE}", "alert_id"),
        ("/api/alerts?offset=1000000000000", "offset"),
        ("/api/calendar/years/14070", "year"),
        ("/api/calendar/years?around=3969081", "around"),
        ("/api/calendar/days?start=9999-12-30&end=9999-12-31", "start"),
        ("/api/sla/explain?severity=一般&start=0001-01-01T00:00:00Z", "start"),
        ("/api/search?q=猪&page=100000", "page"),
    ],
)
def test_out_of_range_numbers_are_a_422_naming_the_field(
    client: TestClient, login: Login, people: None, path: str, field: str
) -> None:
    response = client.get(path, headers=login("duty"))
    assert response.status_code == 422, response.text
    assert field in response.text


def test_a_year_the_calendar_cannot_compute_is_a_422_naming_the_field(
    client: TestClient, login: Login, people: None
) -> None:
    duty = login("duty")
    # 2100 is past the years the calendar computes; 2001 is covered only provisionally, which is no error.
    days = client.get("/api/calendar/days", headers=duty, params={"start": "2100-05-01", "end": "2100-05-02"})
    assert days.status_code == 422 and "query/start" in days.json()["message"]
    days = client.get("/api/calendar/days", headers=duty, params={"start": "2001-05-01", "end": "2001-05-02"})
    assert days.status_code == 200 and [d["reason"] for d in days.json()] == ["劳动节假期（暂定）"] * 2
    crossing = client.get("/api/calendar/days", headers=duty, params={"start": "2026-12-30", "end": "2027-01-02"})
    assert crossing.status_code in (200, 422)
    if crossing.status_code == 422:
        assert crossing.json()["details"]["field"] == "end"
    old = {"title": "来信反映养殖场噪音", "content": "来信反映噪音扰民", "received_at": "1899-12-31T09:00:00+08:00"}
    refused = client.post("/api/alerts", headers=duty, json=old)
    assert refused.status_code == 422 and "received_at" in refused.text


def test_a_hand_entered_case_matching_a_stored_post_keeps_its_title_and_gets_its_own_case(
    client: TestClient, login: Login, people: None
) -> None:
    duty = login("duty")
    texts = (
        "东湖村养猪场粪污直排河道，河水发黑发臭，下游村民饮水受到影响，多次反映无人处理",
        "西山村养牛场夜间异味扰民，周边居民无法开窗，孩子咳嗽不止，希望尽快派人核查",
    )
    taken = make_alert(title=texts[0])  # its post already has a case
    free = make_post(title=texts[1])  # a stored post without a case
    for text, existing in ((texts[0], taken), (texts[1], None)):
        # The same words as the stored post, as a hotline operator types them in.
        body = {"title": f"12345热线：{text[:6]}", "content": f"{text}，请有关部门处理。", "severity": "一般"}
        created = client.post("/api/alerts", headers=duty, json=body)
        assert created.status_code == 201, created.text
        case = created.json()
        assert case["title"] == body["title"]
        assert case["id"] != existing
        assert [p["id"] for p in case["posts"]] != [free]


def test_roster_dates_the_calendar_cannot_compute_are_a_422_naming_the_field(
    client: TestClient, login: Login, people: None
) -> None:
    from tests.factories import make_user

    duty_id = make_user("rota-duty", "duty")
    make_user("admin", "admin")
    admin = login("admin")
    for start in ("0006-07-11", "2100-05-01"):  # outside the calendar's years
        body = {"start": start, "days": 3, "user_ids": [duty_id]}
        refused = client.post("/api/roster/rotation", headers=admin, json=body)
        assert refused.status_code == 422, refused.text
        assert "start" in refused.text
    shift = {"starts_at": "2100-05-01T08:30:00+08:00", "ends_at": "2100-05-02T08:30:00+08:00", "user_id": duty_id}
    refused = client.post("/api/roster/shifts", headers=admin, json=shift)
    assert refused.status_code == 422 and "starts_at" in refused.text
    assert client.get("/api/roster/shifts", headers=admin, params={"start": "9999-12-31T00:00:00"}).status_code == 422
