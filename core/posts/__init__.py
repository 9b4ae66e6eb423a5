"""Storing posts once: known posts refreshed, reposts linked, new posts created with their evidence (存证).

- ``storage``: ``store_post`` stores one post, as ``store_many`` of one, so both share every rule;
- ``bulk``: ``store_many`` stores many posts with a handful of statements (the crawler's writer, imports);
- ``dedupe``: which stored post an incoming one is (same URL, alias URL or id on its source) and the one
  near-duplicate matcher (SimHash within a few bits);
- ``evidence``: the raw bytes of each page, stored once per SHA-256, and the snapshots that point at them.
"""

from core.posts.bulk import ANALYZE_TOPIC, PostIn, store_many
from core.posts.evidence import EvidenceIn, keep_evidence, raw_body
from core.posts.storage import StoredPost, mark_deleted, store_post

__all__ = [
    "ANALYZE_TOPIC",
    "EvidenceIn",
    "PostIn",
    "StoredPost",
    "keep_evidence",
    "mark_deleted",
    "raw_body",
    "store_many",
    "store_post",
]
