"""The URL policy in every crawl: each request (robots.txt and every redirect hop included) is checked
before it is sent, and the connection goes to the address the check approved.

The middleware resolves the host once per crawl, checks every address it gets, and pins the approved one;
the resolver then answers Scrapy's look-ups from the pins only, so a name that resolves to another address
a moment later (DNS rebinding) is never connected to. A name nobody pinned is resolved and checked again.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from core.urlpolicy import Resolver, UrlPolicy, UrlRefused, current_policy, parse_allow_list, system_resolver

# host → the IPv4 address the policy approved (Scrapy's resolver speaks IPv4 only).
PINS: dict[str, str] = {}


class UrlPolicyRefused(IgnoreRequest):
    """A request the URL policy refused (the message names the rule)."""


def _policy(settings: Any) -> UrlPolicy:
    # A crawl may be given its own allow list (tests, previews); else the installation's.
    own = settings.get("MUQING_URL_ALLOW_LIST") if settings is not None else None
    return UrlPolicy(allow=parse_allow_list(own)) if own is not None else current_policy()


class UrlPolicyMiddleware:
    """Refuse a request the policy refuses; pin the address of one it approves."""

    def __init__(self, policy: UrlPolicy, resolver: Resolver = system_resolver):
        self.policy = policy
        self.resolver = resolver
        # One look-up per host and crawl: later requests are checked against the same addresses.
        self.resolved: dict[str, list[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> UrlPolicyMiddleware:
        """The middleware with the crawl's policy."""
        return cls(_policy(crawler.settings))

    def process_request(self, request: Request, spider: Any = None) -> None:
        """Check ``request.url`` (every hop of a redirect comes through here again)."""
        try:
            pinned = self.policy.check(request.url, resolver=self._resolve)
        except UrlRefused as exc:
            raise UrlPolicyRefused(exc.message) from exc
        ipv4 = next((a for a in pinned.addresses if ipaddress.ip_address(a).version == 4), None)
        pinned_before = PINS.get(pinned.host)
        if ipv4 is not None and (pinned_before is None or pinned_before not in pinned.addresses):
            PINS[pinned.host] = ipv4
        return None

    def _resolve(self, host: str, port: int) -> list[str]:
        if host not in self.resolved:
            self.resolved[host] = list(self.resolver(host, port))
        return self.resolved[host]


class PinnedResolver(CachingThreadedResolver):
    """Scrapy's resolver, answering from the middleware's pins; anything else is checked like a request."""

    policy: UrlPolicy | None = None

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> PinnedResolver:
        """The resolver with the crawl's policy."""
        resolver = super().from_crawler(crawler, reactor)
        resolver.policy = _policy(crawler.settings)
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> defer.Deferred[str]:
        """The pinned address of ``name``; an unpinned name is resolved and its address checked."""
        pinned = PINS.get(name.rstrip(".").lower())
        if pinned is not None:
            return defer.succeed(pinned)
        deferred: defer.Deferred[str] = super().getHostByName(name, timeout)
        deferred.addCallback(self._checked, name)
        return deferred

    def _checked(self, address: str, name: str) -> str:
        policy = self.policy or current_policy()
        try:
            policy.check(f"http://{name}/", resolver=lambda _host, _port: [address])
        except UrlRefused as exc:
            raise DNSLookupError(exc.message) from exc
        return address
