"""The URL policy's rules, allow list and pinning, without touching the network."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.urlpolicy import UrlPolicy, UrlRefused, parse_allow_list


def _resolver(table: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    def resolve(host: str, port: int) -> list[str]:
        return table[host]

    return resolve


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("ftp://example.org/file", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("gopher://127.0.0.1:6379/_INFO", "scheme"),
        ("http:///nohost", "host"),
        ("http://127.0.0.1/", "loopback"),
        ("http://[::1]:8080/", "loopback"),
        ("http://2130706433/", "loopback"),
        ("http://[::ffff:7f00:1]/", "loopback"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://169.254.169.254/latest/meta-data/", "link_local"),
        ("http://[fe80::1]/", "link_local"),
        ("http://10.1.2.3/", "private"),
        ("http://172.16.0.9/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://[fd00::5]/", "private"),
        ("http://224.0.0.1/", "multicast"),
        ("http://100.64.0.1/", "reserved"),
        ("http://intranet.example/", "private"),
        ("http://mixed.example/", "loopback"),
    ],
)
def test_non_public_addresses_and_other_schemes_are_refused_by_rule(url: str, rule: str) -> None:
    # The decimal form of 127.0.0.1 is what the system resolver makes of it.
    table = {"intranet.example": ["10.9.8.7"], "mixed.example": ["93.184.215.14", "127.0.0.1"]}
    resolver = _resolver({**table, "2130706433": ["127.0.0.1"]})
    with pytest.raises(UrlRefused) as refused:
        UrlPolicy().check(url, resolver=resolver)
    assert refused.value.details["rule"] == rule and refused.value.details["field"] == "url"
    assert rule in refused.value.message


def test_a_public_address_passes_and_the_approved_address_is_pinned() -> None:
    resolver = _resolver({"news.example": ["93.184.215.14"]})
    pinned = UrlPolicy().check("https://news.example/a?b=1", resolver=resolver)
    assert (pinned.host, pinned.port, pinned.address, pinned.scheme) == ("news.example", 443, "93.184.215.14", "https")


def test_allow_list_entries_by_address_network_name_domain_and_port() -> None:
    policy = UrlPolicy(
        allow=parse_allow_list("10.2.3.4, 192.168.0.0/16 oa.gov.example:8080 *.intra.example [fd00::1]:8443")
    )
    resolver = _resolver({"oa.gov.example": ["10.0.0.5"], "mail.intra.example": ["10.0.0.6"]})
    assert policy.check("http://10.2.3.4:9000/", resolver=resolver).address == "10.2.3.4"
    assert policy.check("http://192.168.77.1/", resolver=resolver).address == "192.168.77.1"
    assert policy.check("http://oa.gov.example:8080/x", resolver=resolver).address == "10.0.0.5"
    assert policy.check("http://mail.intra.example/", resolver=resolver).address == "10.0.0.6"
    assert policy.check("https://[fd00::1]:8443/", resolver=resolver).address == "fd00::1"
    for refused in ("http://oa.gov.example/x", "https://[fd00::1]/", "http://10.2.3.5/"):
        with pytest.raises(UrlRefused):
            policy.check(refused, resolver=resolver)
    with pytest.raises(ValueError, match="无效"):
        parse_allow_list("10.0.0.0/33")


def test_a_malformed_allow_list_stops_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from core.config import Settings

    monkeypatch.setenv("MUQING_URL_ALLOW_LIST", "10.0.0.1:99999")
    with pytest.raises(ValidationError, match="端口"):
        Settings()


def test_the_crawler_resolves_once_and_connects_to_the_pinned_address() -> None:
    """DNS rebinding: a name that answers a public address first and loopback next is connected to once."""
    from scrapy.http import Request

    from crawlers.middlewares.urlpolicy import PINS, PinnedResolver, UrlPolicyMiddleware, UrlPolicyRefused

    answers = iter([["93.184.215.14"], ["127.0.0.1"]])

    def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    request = Request("http://rebind.example/page")
    middleware = UrlPolicyMiddleware(UrlPolicy(), resolver=rebinding)
    try:
        middleware.process_request(request)
        middleware.process_request(request)  # no second look-up: the second answer is still unused
        assert PINS["rebind.example"] == "93.184.215.14"
        resolved: list[str] = []
        PinnedResolver.getHostByName(object.__new__(PinnedResolver), "rebind.example").addCallback(resolved.append)
        assert resolved == ["93.184.215.14"]
        with pytest.raises(UrlPolicyRefused, match="loopback"):
            UrlPolicyMiddleware(UrlPolicy(), resolver=rebinding).process_request(request)
    finally:
        PINS.pop("rebind.example", None)
