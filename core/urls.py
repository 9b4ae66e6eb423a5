"""Canonical URLs: one spelling per page, so the same post reached through two links is stored once."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that say how a visitor arrived, never which page it is. Kept short on purpose:
# wrongly stripping a parameter would merge two different pages, a duplicate is only caught later.
TRACKING_PARAMS = frozenset(
    {
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "utm_id",
        "spm",
        "fr",
        "refer_flag",
        "refer",
        "referer",
        "share_from",
        "share_source",
        "share_medium",
        "sharer",
        "sharetype",
        "_rand",
        "isappinstalled",
        "clicktime",
        "enterid",
        "wfr",
        "fbclid",
        "gclid",
        "ivk_sa",
        "sudaref",
    }
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def web_link(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) link fit to follow, else None (``javascript:``, ``data:`` …)."""
    if not url:
        return None
    text = url.strip()
    parts = urlsplit(text)
    # Browsers drop tabs and newlines inside a scheme (``java\tscript:``): anything odd is no link.
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.netloc or any(ch in text for ch in "\t\r\n\x00"):
        return None
    return text


def canonical_url(url: str, *, keep_fragment: bool = False) -> str:
    """``url`` with a lower-case host, no default port, no tracking parameters, sorted query, no fragment."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "http"
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port is not None else None
    netloc = host
    if port is not None and str(port) != _DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~%")
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMS and not key.lower().startswith("utm_")
    ]
    query.sort()
    fragment = parts.fragment if keep_fragment else ""
    return urlunsplit((scheme, netloc, path, urlencode(query, quote_via=quote, safe="/:@!$'()*,;-._~"), fragment))
