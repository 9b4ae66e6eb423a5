"""One URL policy for every fetch a user can cause: intake by URL, source crawls and previews, webhooks, robots.

A URL is fetched only when it is http(s) and every address its host resolves to is a public one; loopback,
private, link-local, multicast and other reserved addresses are refused unless the admin allows them in
``MUQING_URL_ALLOW_LIST`` (intranet targets). The check returns the address it approved, and callers connect
to exactly that address (``Pinned``), so a host that resolves differently a moment later (DNS rebinding)
cannot slip through. Redirects are checked hop by hop by the callers that follow them.

Allow-list entries, separated by commas or spaces: an address (``10.2.3.4``), a network (``10.2.0.0/16``),
a host name (``oa.example.gov``) or every host under a domain (``*.example.gov``), each optionally with a
port (``10.2.3.4:8080``, ``[fd00::1]:8443``, ``oa.example.gov:8080``).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from core.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]

RULES = {
    "scheme": "只允许 http 和 https 网址",
    "host": "网址缺少有效的主机名或端口",
    "resolve": "主机名无法解析",
    "loopback": "不允许访问本机回环地址",
    "unspecified": "不允许访问未指定地址（0.0.0.0 / ::）",
    "link_local": "不允许访问链路本地地址（含云主机元数据地址）",
    "private": "不允许访问内网地址",
    "multicast": "不允许访问组播地址",
    "reserved": "不允许访问保留或非公网地址",
}
DEFAULT_PORTS = {"http": 80, "https": 443}


class UrlRefused(InvalidInput):
    """A URL the policy does not let us fetch; ``details`` name the field, the rule and the address."""

    code = "url_refused"


@dataclass(frozen=True, slots=True)
class Pinned:
    """A URL the policy approved, with the one address to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    address: str
    addresses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AllowEntry:
    """One allow-list entry: a network or a host name (``*.`` for a domain), optionally one port."""

    network: Network | None
    host: str | None
    port: int | None

    def allows_host(self, host: str, port: int) -> bool:
        """True when this is a host-name entry naming ``host`` (and its port, if it has one)."""
        if self.host is None or (self.port is not None and self.port != port):
            return False
        if self.host.startswith("*."):
            return host.endswith(self.host[1:]) or host == self.host[2:]
        return host == self.host

    def allows_address(self, address: IPAddress, port: int) -> bool:
        """True when this is a network entry holding ``address`` (and its port, if it has one)."""
        if self.network is None or (self.port is not None and self.port != port):
            return False
        return address.version == self.network.version and address in self.network


def parse_allow_list(text: str) -> tuple[AllowEntry, ...]:
    """The entries of ``MUQING_URL_ALLOW_LIST``; a malformed entry raises ValueError naming it."""
    entries = []
    for raw in text.replace(",", " ").split():
        host, port = _split_port(raw)
        try:
            network: Network | None = ipaddress.ip_network(host, strict=False)
        except ValueError:
            network = None
        if network is None and not _looks_like_host(host):
            raise ValueError(f"网址白名单条目无效：{raw!r}")
        entries.append(AllowEntry(network=network, host=None if network else host.lower(), port=port))
    return tuple(entries)


def _split_port(raw: str) -> tuple[str, int | None]:
    if raw.startswith("["):
        host, _, rest = raw[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif raw.count(":") == 1:
        host, port_text = raw.split(":")
    else:
        host, port_text = raw, ""
    if not port_text:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"网址白名单条目的端口无效：{raw!r}")
    return host, int(port_text)


def _looks_like_host(host: str) -> bool:
    name = host[2:] if host.startswith("*.") else host
    return bool(name) and all(part and (part.isalnum() or "-" in part or "_" in part) for part in name.split("."))


def classify(address: IPAddress) -> str | None:
    """The rule a non-public address breaks, or None for a public address."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if address.is_loopback:
        return "loopback"
    if address.is_unspecified:
        return "unspecified"
    if address.is_link_local:
        return "link_local"
    if address.is_multicast:
        return "multicast"
    if address.is_private:
        return "private"
    if not address.is_global or address.is_reserved:
        return "reserved"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (TCP), in the system's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    """The allow list and the check every fetch goes through."""

    allow: tuple[AllowEntry, ...] = ()

    def check(self, url: str, *, field: str = "url", resolver: Resolver = system_resolver) -> Pinned:
        """Approve ``url`` and pick the address to connect to, or raise UrlRefused naming the rule."""
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise _refused(url, field, "scheme")
        try:
            host = (parts.hostname or "").rstrip(".").lower()
            port = parts.port or DEFAULT_PORTS[scheme]
        except ValueError:
            host, port = "", 0
        if not host:
            raise _refused(url, field, "host")
        by_name = any(entry.allows_host(host, port) for entry in self.allow)
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolver(host, port)]
            except (OSError, UnicodeError) as exc:
                raise _refused(url, field, "resolve", detail=str(exc)) from exc
        if not addresses:
            raise _refused(url, field, "resolve")
        if not by_name:
            for address in addresses:
                rule = classify(address)
                if rule and not any(entry.allows_address(address, port) for entry in self.allow):
                    raise _refused(url, field, rule, address=str(address))
        shown = tuple(str(address) for address in addresses)
        return Pinned(url=url.strip(), scheme=scheme, host=host, port=port, address=shown[0], addresses=shown)


def _refused(url: str, field: str, rule: str, *, address: str | None = None, detail: str | None = None) -> UrlRefused:
    shown = url if len(url) <= 200 else url[:200] + "…"
    where = f"（{address}）" if address else ""
    extra = f"：{detail}" if detail else ""
    details: dict[str, Any] = {"field": field, "rule": rule, "url": shown}
    if address:
        details["address"] = address
    return UrlRefused(f"网址访问策略拒绝（{rule}）{RULES[rule]}{where}{extra}：{shown}", details=details)


@lru_cache(maxsize=8)
def _policy_for(allow_list: str) -> UrlPolicy:
    return UrlPolicy(allow=parse_allow_list(allow_list))


def current_policy() -> UrlPolicy:
    """The policy of the current settings."""
    from core.config import get_settings

    return _policy_for(get_settings().url_allow_list)


def check_url(url: str, *, field: str = "url", resolver: Resolver = system_resolver) -> Pinned:
    """``current_policy().check(url)``: approve ``url`` and pick its address, or raise UrlRefused."""
    return current_policy().check(url, field=field, resolver=resolver)
