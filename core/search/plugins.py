"""The seam between search (in core) and the domains that own parts of a post's search document.

core never imports nlp or alerts. The modules that contribute to search are named by the composition root
(``cli/modules.py``, installed through ``core.wiring``) and imported on first use, in whichever process needs
them (API, worker, command):

- ``nlp.search`` registers the tokenizer (jieba with our user dictionary and stopwords), so the index and
  the queries are cut by the very tokenizer the classifier uses, on both backends;
- ``alerts.cases.search`` registers the fields alerts own (the section handling a post's case, the case's
  category and severity) and tells the change tracker which alert changes alter a post's document.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core.errors import ConfigurationError
from core.wiring import installed

Tokenizer = Callable[[str], list[str]]
FieldsProvider = Callable[[Session, list[int]], Mapping[int, Mapping[str, Any]]]
PostIdsOf = Callable[[Session, Any], Iterable[int]]


@dataclass(frozen=True, slots=True)
class Tracker:
    """Which posts' documents change when an object of one class is added, changed or deleted."""

    post_ids: PostIdsOf
    fields: frozenset[str] | None


@dataclass(slots=True)
class _Registry:
    document_tokenizer: Tokenizer | None = None
    query_tokenizer: Tokenizer | None = None
    providers: list[FieldsProvider] = field(default_factory=list)
    trackers: dict[type, Tracker] = field(default_factory=dict)


_registry = _Registry()
_lock = threading.RLock()
_loaded = False


def register_tokenizer(*, document: Tokenizer, query: Tokenizer) -> None:
    """Set the functions that cut a document and a query into search tokens."""
    _registry.document_tokenizer = document
    _registry.query_tokenizer = query


def register_fields(provider: FieldsProvider) -> None:
    """Add a provider of extra document fields: ``provider(session, post_ids) -> {post_id: {field: value}}``."""
    if provider not in _registry.providers:
        _registry.providers.append(provider)


def track(model: type, *, post_ids: PostIdsOf, fields: Iterable[str] | None = None) -> None:
    """Reindex ``post_ids(session, obj)`` when a ``model`` row is added or deleted, or one of ``fields`` changes."""
    _registry.trackers[model] = Tracker(post_ids, frozenset(fields) if fields is not None else None)


def load() -> None:
    """Import the plugin modules once per process (each registers itself at import)."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if not _loaded:
            # A process nobody wired (a one-off script) indexes with core's trackers only; the tokenizer is then
            # missing, which ``document_tokens`` reports clearly.
            domains = installed(required=False)
            for module in domains.search_plugins if domains else ():
                importlib.import_module(module)
            _loaded = domains is not None


def document_tokens(text: str) -> list[str]:
    """The tokens a document's text is indexed under."""
    load()
    if _registry.document_tokenizer is None:
        raise ConfigurationError("没有注册搜索分词器（nlp.search）")
    return _registry.document_tokenizer(text)


def query_tokens(text: str) -> list[str]:
    """The tokens a query's text is cut into (each must match)."""
    load()
    if _registry.query_tokenizer is None:
        raise ConfigurationError("没有注册搜索分词器（nlp.search）")
    return _registry.query_tokenizer(text)


def field_providers() -> list[FieldsProvider]:
    """The registered providers of extra document fields."""
    load()
    return list(_registry.providers)


def tracker_for(model: type) -> Tracker | None:
    """The tracker registered for ``model`` (or one of its bases)."""
    for klass in model.__mro__:
        tracker = _registry.trackers.get(klass)
        if tracker is not None:
            return tracker
    return None
