"""The scale-out search backend: Elasticsearch 8, with no server plugin.

Jieba tokens go into whitespace-analysed fields (``title_tokens``, ``content_tokens``); the original text is
kept in ``_source`` for display. Indices are versioned (``<prefix>posts-v<mapping>-<time>``) and created from
an index template kept in this file; searches read the alias ``<prefix>posts``. A rebuild fills a new index
that the alias ``<prefix>posts-next`` points to (live writes reach both aliases), then swaps the read alias
in one atomic ``_aliases`` call, so searches never stop. The server needs none of ``_reindex``, Painless or
analysis-common: the SQL database is the system of record and a rebuild reads from it.

Mapping 2 adds the character fields (``title_chars``, ``content_chars``, core/search/chars.py). A mapping-1
index keeps working (its documents get no character fields, and the phrase clauses on them match nothing)
until a rebuild replaces it; the version is read from the index name.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError

from core.config import get_settings, redact_url
from core.errors import ServiceUnavailable
from core.search.base import (
    AGGREGATIONS,
    FILTER_FIELDS,
    Bucket,
    PostDocument,
    RawHit,
    RawResult,
    SearchBackend,
    SearchQuery,
)
from core.search.chars import char_tokens, short_tokens
from core.timeutil import utcnow

log = logging.getLogger(__name__)

MAPPING_VERSION = 2
CHAR_FIELDS = ("title_chars", "content_chars")
TITLE_BOOST = 2.0
TERMS_SIZES = {"category": 20, "source": 100, "sentiment": 10}

_KEYWORD = {"type": "keyword"}
_STORED_ONLY = {"type": "keyword", "index": False, "doc_values": False}

MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "_meta": {"muqing_mapping_version": MAPPING_VERSION},
    "properties": {
        "post_id": {"type": "long"},
        "title": {"type": "text", "index": False},
        "content": {"type": "text", "index": False},
        "title_tokens": {"type": "text", "analyzer": "whitespace"},
        "content_tokens": {"type": "text", "analyzer": "whitespace"},
        "title_chars": {"type": "text", "analyzer": "whitespace"},
        "content_chars": {"type": "text", "analyzer": "whitespace"},
        "url": _STORED_ONLY,
        "author": _STORED_ONLY,
        "source": _KEYWORD,
        "category": _KEYWORD,
        "severity": _KEYWORD,
        "sentiment": _KEYWORD,
        "section": _KEYWORD,
        "alert_id": {"type": "long"},
        "time": {"type": "date"},
        "day": _KEYWORD,
    },
}

T = TypeVar("T")


class SearchUnavailable(ServiceUnavailable):
    """The search engine does not answer."""


class ElasticsearchBackend(SearchBackend):
    """Search over an Elasticsearch 8 cluster; every name starts with ``prefix``."""

    name = "elasticsearch"
    label = "Elasticsearch"

    def __init__(self, url: str, *, prefix: str, replicas: int = 0, timeout: float = 10.0) -> None:
        self.url = url
        self.prefix = prefix
        self.replicas = replicas
        self.alias = f"{prefix}posts"
        self.next_alias = f"{prefix}posts-next"
        self.template = f"{prefix}posts"
        self.client = Elasticsearch(url, request_timeout=timeout, max_retries=1, retry_on_timeout=False)
        self._template_ready = False

    # -- errors --------------------------------------------------------------------------------------

    def _call(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except (TransportConnectionError, ConnectionTimeout) as exc:
            raise self.unavailable(exc) from exc
        except ApiError as exc:
            if exc.meta.status in (429, 502, 503, 504):
                raise self.unavailable(exc) from exc
            raise
        except TransportError as exc:
            raise self.unavailable(exc) from exc

    def unavailable(self, exc: Exception) -> SearchUnavailable:
        """The error users see when Elasticsearch does not answer."""
        return SearchUnavailable(
            f"搜索服务 Elasticsearch（{redact_url(self.url)}）不可用，请稍后再试；新帖子已保存，服务恢复后自动补建索引",
            details={"service": "elasticsearch", "error": type(exc).__name__},
        )

    # -- index management ----------------------------------------------------------------------------

    def template_body(self) -> dict[str, Any]:
        """The index template every posts index is created from."""
        return {
            "index_patterns": [f"{self.prefix}posts-v*"],
            "priority": 100,
            "template": {
                "settings": {
                    "number_of_shards": 1,
                    "number_of_replicas": self.replicas,
                    "refresh_interval": "1s",
                },
                "mappings": MAPPINGS,
            },
            "_meta": {"muqing_mapping_version": MAPPING_VERSION},
        }

    def _put_template(self) -> None:
        if not self._template_ready:
            self._call(lambda: self.client.indices.put_index_template(name=self.template, **self.template_body()))
            self._template_ready = True

    def _new_index_name(self) -> str:
        return f"{self.prefix}posts-v{MAPPING_VERSION}-{utcnow().strftime('%Y%m%d%H%M%S%f')}"

    def _indices_of(self, alias: str) -> list[str]:
        try:
            return sorted(self._call(lambda: self.client.indices.get_alias(name=alias)).keys())
        except NotFoundError:
            return []

    def ensure_ready(self) -> None:
        self._put_template()
        if self._indices_of(self.alias):
            return
        # A fixed first name, so two processes starting at once create one index, not two behind the alias.
        first = f"{self.prefix}posts-v{MAPPING_VERSION}-initial"
        try:
            self._call(lambda: self.client.indices.create(index=first, aliases={self.alias: {}}))
        except ApiError as exc:
            if exc.error != "resource_already_exists_exception":
                raise

    def live_index(self) -> str | None:
        indices = self._indices_of(self.alias)
        return indices[0] if indices else None

    def _mapping_version(self, index: str) -> int:
        found = re.match(rf"{re.escape(self.prefix)}posts-v(\d+)-", index)
        return int(found.group(1)) if found else MAPPING_VERSION

    def outdated(self) -> bool:
        return any(self._mapping_version(index) < MAPPING_VERSION for index in self._indices_of(self.alias))

    def count(self) -> int:
        if not self._indices_of(self.alias):
            return 0
        return int(self._call(lambda: self.client.count(index=self.alias))["count"])

    def drop(self) -> None:
        indices = self._call(
            lambda: self.client.indices.get(
                index=f"{self.prefix}posts-v*", allow_no_indices=True, expand_wildcards="all"
            )
        )
        for index in indices:
            self._call(partial(self.client.indices.delete, index=index))
        with contextlib.suppress(NotFoundError):
            self._call(lambda: self.client.indices.delete_index_template(name=self.template))
        self._template_ready = False

    def ping(self) -> None:
        """Raise SearchUnavailable unless the cluster answers."""
        self._call(lambda: self.client.cluster.health(timeout="5s"))

    # -- reading -------------------------------------------------------------------------------------

    def search(self, query: SearchQuery, tokens: list[str]) -> RawResult:
        must = _text_clauses(tokens, any_token=query.any_token)
        filters: list[dict[str, Any]] = [
            {"terms": {field: list(query.filters[field])}} for field in FILTER_FIELDS if query.filters.get(field)
        ]
        time_range: dict[str, str] = {}
        if query.start is not None:
            time_range["gte"] = query.start.isoformat()
        if query.end is not None:
            time_range["lt"] = query.end.isoformat()
        if time_range:
            filters.append({"range": {"time": time_range}})
        sort: list[Any] = [{"time": "desc"}, {"post_id": "desc"}]
        if tokens and query.sort == "relevance":
            sort.insert(0, {"_score": "desc"})
        request: dict[str, Any] = {
            "query": {"bool": {"must": must or [{"match_all": {}}], "filter": filters}},
            "sort": sort,
            "from_": query.offset,
            "size": query.limit,
            "track_total_hits": True,
            "track_scores": bool(tokens),
            "source_excludes": ["title_tokens", "content_tokens", *CHAR_FIELDS],
        }
        if query.aggregations:
            request["aggs"] = self._aggregation_request()
        try:
            response = self._call(lambda: self.client.search(index=self.alias, **request))
        except NotFoundError:
            # No index yet: nothing was ever indexed.
            return RawResult(
                total=0, hits=[], aggregations={f: [] for f in AGGREGATIONS} if query.aggregations else None
            )
        hits = [
            RawHit(_document(hit["_source"]), hit.get("_score") if tokens else None) for hit in response["hits"]["hits"]
        ]
        aggregations = None
        if query.aggregations:
            aggs = response["aggregations"]
            aggregations = {
                "day": [Bucket(b["key_as_string"], b["doc_count"]) for b in aggs["day"]["buckets"]],
                **{
                    field: [Bucket(str(b["key"]), b["doc_count"]) for b in aggs[field]["buckets"]]
                    for field in AGGREGATIONS
                    if field != "day"
                },
            }
        return RawResult(total=response["hits"]["total"]["value"], hits=hits, aggregations=aggregations)

    @staticmethod
    def _aggregation_request() -> dict[str, Any]:
        request: dict[str, Any] = {
            "day": {
                "date_histogram": {
                    "field": "time",
                    "calendar_interval": "day",
                    "time_zone": get_settings().timezone,
                    "format": "yyyy-MM-dd",
                    "min_doc_count": 1,
                }
            }
        }
        for field in AGGREGATIONS:
            if field != "day":
                request[field] = {
                    "terms": {
                        "field": field,
                        "size": TERMS_SIZES[field],
                        "order": [{"_count": "desc"}, {"_key": "asc"}],
                    }
                }
        return request

    # -- writing -------------------------------------------------------------------------------------

    def write(self, documents: list[PostDocument], deletions: list[int]) -> None:
        self.ensure_ready()
        targets = [self.alias]
        if self._indices_of(self.next_alias):
            targets.append(self.next_alias)
        operations: list[dict[str, Any]] = []
        for target in targets:
            # A mapping-1 index is strict and has no character fields: its documents go without them.
            chars = all(self._mapping_version(index) >= MAPPING_VERSION for index in self._indices_of(target))
            for post_id in deletions:
                operations.append({"delete": {"_index": target, "_id": str(post_id)}})
            for document in documents:
                operations.append({"index": {"_index": target, "_id": str(document.post_id)}})
                operations.append(_source(document, chars=chars))
        if not operations:
            return
        # require_alias: a write racing a swap fails (and is redone) rather than auto-creating a stray index.
        response = self._call(lambda: self.client.bulk(operations=operations, refresh=True, require_alias=True))
        if response["errors"]:
            self._raise_item_errors(response, ignore_missing_next=True)

    def _raise_item_errors(
        self, response: Any, *, ignore_missing_next: bool = False, ignore_conflicts: bool = False
    ) -> None:
        failures = []
        for item in response["items"]:
            ((operation, result),) = item.items()
            status = result.get("status", 200)
            if status < 300 or (operation == "delete" and status == 404):
                continue
            if ignore_conflicts and status == 409:
                continue
            if ignore_missing_next and result.get("_index") == self.next_alias:
                continue
            failures.append(f"{operation} {result.get('_id')}: {result.get('error')}")
        if failures:
            raise RuntimeError(f"Elasticsearch refused {len(failures)} document(s): {failures[:3]}")

    def begin_rebuild(self) -> str:
        self._put_template()
        for stale in self._indices_of(self.next_alias):
            self.abort_rebuild(stale)
        name = self._new_index_name()
        self._call(lambda: self.client.indices.create(index=name, aliases={self.next_alias: {}}))
        return name

    def write_rebuild(self, name: str, documents: list[PostDocument]) -> None:
        operations: list[dict[str, Any]] = []
        for document in documents:
            # create: a live write may already have put a newer version of this post here.
            operations.append({"create": {"_index": name, "_id": str(document.post_id)}})
            operations.append(_source(document))
        if operations:
            response = self._call(lambda: self.client.bulk(operations=operations))
            if response["errors"]:
                self._raise_item_errors(response, ignore_conflicts=True)

    def finish_rebuild(self, name: str) -> str | None:
        self._call(lambda: self.client.indices.refresh(index=name))
        old = self._indices_of(self.alias)
        actions: list[dict[str, Any]] = [{"remove": {"index": index, "alias": self.alias}} for index in old]
        actions += [
            {"add": {"index": name, "alias": self.alias}},
            {"remove": {"index": name, "alias": self.next_alias}},
        ]
        self._call(lambda: self.client.indices.update_aliases(actions=actions))
        for index in old:
            if index != name:
                self._call(partial(self.client.indices.delete, index=index))
        return old[0] if old else None

    def abort_rebuild(self, name: str) -> None:
        with contextlib.suppress(NotFoundError):
            self._call(lambda: self.client.indices.delete(index=name))


def _text_clauses(tokens: list[str], *, any_token: bool) -> list[dict[str, Any]]:
    """Every token (or any) in the word fields; a short token may instead occur as a phrase of characters."""
    if not tokens:
        return []

    def words(text: str, operator: str) -> dict[str, Any]:
        fields = [f"title_tokens^{TITLE_BOOST}", "content_tokens"]
        return {"combined_fields": {"query": text, "fields": fields, "operator": operator}}

    short = short_tokens(tokens)
    if not short:
        return [words(" ".join(tokens), "or" if any_token else "and")]
    clauses = []
    for token in tokens:
        clause = words(token, "and")
        if token in short:
            phrase = {
                "multi_match": {
                    "query": " ".join(char_tokens(token)),
                    "type": "phrase",
                    "fields": [f"title_chars^{TITLE_BOOST}", "content_chars"],
                }
            }
            clause = {"bool": {"should": [clause, phrase], "minimum_should_match": 1}}
        clauses.append(clause)
    if any_token:
        return [{"bool": {"should": clauses, "minimum_should_match": 1}}]
    return clauses


def _source(document: PostDocument, *, chars: bool = True) -> dict[str, Any]:
    values = document.fields()
    values["time"] = document.time.isoformat()
    if not chars:
        for name in CHAR_FIELDS:
            values.pop(name)
    return values


def _document(source: dict[str, Any]) -> PostDocument:
    values = dict(source)
    values["time"] = datetime.fromisoformat(values["time"])
    values.setdefault("title_tokens", "")
    values.setdefault("content_tokens", "")
    for name in CHAR_FIELDS:
        values.setdefault(name, "")
    return PostDocument(**values)
