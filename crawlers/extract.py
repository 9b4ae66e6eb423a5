"""Text out of pages: selectors, visible text without markup, counts like ``1.3万``, JSON paths, articles."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree, html
from parsel import Selector, SelectorList
from scrapy.http import Response

_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "textarea", "select", "button"})
_INLINE_SPACE = re.compile(r"[ \t\r\f\v\u3000\xa0\u200b\u200c\u200d\ufeff]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_COUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万|w|W|千|k|K|亿)?")


Node = Selector | SelectorList[Selector] | Response


def select(node: Node, query: str) -> SelectorList[Selector]:
    """CSS, or XPath when the query starts with ``/`` or ``(``."""
    return node.xpath(query) if query.lstrip().startswith(("/", "(")) else node.css(query)


def normalise_text(text: str) -> str:
    """Zero-width characters removed, runs of spaces collapsed, lines trimmed, blank lines dropped."""
    text = _ZERO_WIDTH.sub("", text)
    lines = (_INLINE_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _walk(element: Any, parts: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else None
    if tag is None:  # comment or processing instruction
        if element.tail:
            parts.append(element.tail)
        return
    tag = tag.lower().rsplit("}", 1)[-1]
    if tag in _SKIP_TAGS:
        if element.tail:
            parts.append(element.tail)
        return
    block = tag in _BLOCK_TAGS
    if block:
        parts.append("\n")
    if element.text:
        parts.append(element.text)
    for child in element:
        _walk(child, parts)
    if block:
        parts.append("\n")
    if element.tail:
        parts.append(element.tail)


def node_text(node: Selector) -> str:
    """The visible text of one selected element (or the selected text/attribute itself), paragraphs on lines."""
    root = node.root
    if isinstance(root, str):
        return normalise_text(root)
    if not hasattr(root, "tag"):
        return normalise_text(str(root))
    parts: list[str] = []
    tail = root.tail
    try:
        root.tail = None  # the text after the element is not part of it
        _walk(root, parts)
    finally:
        root.tail = tail
    return normalise_text("".join(parts))


def element_text(nodes: SelectorList[Selector]) -> str:
    """The visible text of the selected elements, one paragraph per line, without markup."""
    return "\n".join(text for text in (node_text(node) for node in nodes) if text)


def first_text(node: Node, query: str | None) -> str | None:
    """The text of what ``query`` selects, or None when it selects nothing."""
    if not query:
        return None
    return element_text(select(node, query)) or None


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment (feed descriptions, JSON ``html`` fields)."""
    if not markup or "<" not in markup:
        return normalise_text(markup or "")
    try:
        fragment = html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return normalise_text(re.sub(r"<[^>]+>", " ", markup))
    parts: list[str] = []
    _walk(fragment, parts)
    return normalise_text("".join(parts))


def parse_count(text: str | int | float | None) -> int | None:
    """``1024``, ``1.3万`` (13000), ``2.1k``; a label without a number (``转发``, ``赞``) is 0; None if absent."""
    if text is None:
        return None
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return int(text)
    text = text.replace(",", "").replace("，", "").strip()
    if not text:
        return None
    match = _COUNT.search(text)
    if not match:
        return 0
    value = float(match.group(1))
    value *= {"万": 10_000, "w": 10_000, "W": 10_000, "千": 1000, "k": 1000, "K": 1000, "亿": 100_000_000}.get(
        match.group(2) or "", 1
    )
    return round(value)


_MISSING = object()


def json_path(data: Any, path: str | None) -> Any:
    """The value at a dotted path (``data.list``, ``author.name``, ``items.0.id``), or None."""
    if path is None:
        return None
    current = data
    for part in path.split("."):
        if part == "":
            continue
        if isinstance(current, dict):
            current = current.get(part, _MISSING)
        elif isinstance(current, list) and part.lstrip("-").isdigit() and -len(current) <= int(part) < len(current):
            current = current[int(part)]
        else:
            return None
        if current is _MISSING:
            return None
    return current


def as_text(value: Any) -> str | None:
    """A JSON value as text (HTML stripped); None for null or containers."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, str):
        return html_to_text(value) if "<" in value and ">" in value else normalise_text(value)
    return str(value)


@dataclass(slots=True)
class Article:
    """What the article extractor found on a news page."""

    title: str
    text: str
    author: str | None
    published_raw: str | None


_META_DATE_QUERIES = (
    "meta[property='article:published_time']::attr(content)",
    "meta[name='PubDate']::attr(content)",
    "meta[name='pubdate']::attr(content)",
    "meta[name='publishdate']::attr(content)",
    "meta[name='publish_date']::attr(content)",
    "meta[itemprop='datePublished']::attr(content)",
    "time[datetime]::attr(datetime)",
)
_TEXT_DATE = re.compile(
    r"(?:发布(?:时间|日期)|时间|日期|发表于|来源时间)\s*[:：]?\s*"
    r"(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}\s*[:：]\s*\d{1,2}(?:\s*[:：]\s*\d{1,2})?)?)"
)
_DATE_BOXES = "[class*=info], [class*=time], [class*=date], [class*=pub], [class*=source], [id*=time], [id*=date]"
_FULL_DATE = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?\s*\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?"
)
_HAS_CLOCK = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}")
_BYLINE = re.compile(
    r"(?:记者|作者|来源|发布机构|发布单位|编辑)\s*[:：]?\s*([^\s|｜丨/]{2,20}(?:\s[^\s|｜丨/]{2,10})?)"
)


def _json_ld_dates(selector: Selector) -> list[str]:
    found: list[str] = []
    for block in selector.css("script[type='application/ld+json']::text").getall():
        try:
            data = json.loads(block)
        except ValueError:
            continue
        for entry in data if isinstance(data, list) else [data]:
            if isinstance(entry, dict):
                for key in ("datePublished", "dateCreated", "uploadDate"):
                    if isinstance(entry.get(key), str):
                        found.append(entry[key])
    return found


def article_date_candidates(selector: Selector) -> list[str]:
    """Publication-time strings on a news page, the most precise first (with a time of day before date only)."""
    candidates = _json_ld_dates(selector)
    for query in _META_DATE_QUERIES:
        candidates += [value for value in selector.css(query).getall() if value.strip()]
    # Date lines of the article itself (document order: the article's own line comes before comments).
    for node in selector.css(_DATE_BOXES)[:10]:
        found = _FULL_DATE.search(node_text(node))
        if found:
            candidates.append(found.group(0))
    body_text = " ".join(selector.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall())
    candidates += [match.group(1) for match in _TEXT_DATE.finditer(body_text)][:3]
    with_clock = [value for value in candidates if _HAS_CLOCK.search(value)]
    return with_clock + [value for value in candidates if value not in with_clock]


def extract_article(body_html: str, *, url: str) -> Article:
    """Main text, title, author and publication time of a news page, without site-specific selectors."""
    import trafilatura

    selector = Selector(text=body_html)
    document = trafilatura.bare_extraction(
        body_html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_precision=True,
        deduplicate=False,
    )
    text = title = ""
    author = date = None
    if document is not None:
        as_dict = document.as_dict() if hasattr(document, "as_dict") else dict(document)
        text = as_dict.get("text") or ""
        title = as_dict.get("title") or ""
        author = as_dict.get("author")
        date = as_dict.get("date")
    heading = first_text(selector, "h1")
    if heading and (not title or heading in title):
        title = heading
    if not author:
        byline = _BYLINE.search(" ".join(selector.css("body *:not(script):not(style)::text").getall()[:400]))
        author = byline.group(1) if byline else None
    candidates = article_date_candidates(selector)
    published = candidates[0] if candidates else date
    return Article(title=normalise_text(title), text=normalise_text(text), author=author, published_raw=published)
