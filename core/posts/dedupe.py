"""Which stored post an incoming one is: the same page (URL, alias URL, id on its source) or a repost of its text.

A repost is found by its SimHash: within ``MAX_DISTANCE`` bits of a stored post's. Candidates are looked up by
the four 16-bit bands of the signature (two signatures that close share at least one band), and ``best_match``
is the one matcher every path uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.fingerprint import as_signed, hamming, normalise, simhash_normalised
from core.models import Post, PostLink, PostSignature
from core.posts.evidence import chunks

# Texts shorter than this (after normalising) are too short for a signature to tell posts apart.
MIN_SIGNATURE_CHARS = 40
MAX_DISTANCE = 3


def signature_bands(value: int) -> list[int]:
    """The four 16-bit bands of a 64-bit signature."""
    unsigned = value & ((1 << 64) - 1)
    return [(unsigned >> (16 * band)) & 0xFFFF for band in range(4)]


def text_signature(title: str, content: str) -> int | None:
    """The SimHash of the text (reposts change titles, so the title counts only when the text is short)."""
    chars = normalise(content)
    if len(chars) < MIN_SIGNATURE_CHARS:
        chars = normalise(title) + chars
    return as_signed(simhash_normalised(chars)) if len(chars) >= MIN_SIGNATURE_CHARS else None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A post a new one may be a repost of; ``ref`` is its id, or a placeholder for one stored in the same call."""

    ref: object
    signature: int
    title: str
    source_id: int | None
    external_id: str | None


def best_match(
    candidates: Iterable[Candidate], *, signature: int, title: str, source_id: int | None, external_id: str | None
) -> tuple[Candidate, int] | None:
    """The closest candidate within ``MAX_DISTANCE`` bits (the first of equals), and its distance.

    Within one source two posts must also share their title and not carry different ids: boards are full
    of templated posts that differ in one place name, and those are different posts.
    """
    best: tuple[Candidate, int] | None = None
    for candidate in candidates:
        distance = hamming(candidate.signature, signature)
        if distance > MAX_DISTANCE:
            continue
        if source_id is not None and candidate.source_id == source_id:
            if normalise(candidate.title) != normalise(title):
                continue
            if external_id and candidate.external_id and external_id != candidate.external_id:
                continue
        if best is None or distance < best[1]:
            best = (candidate, distance)
    return best


def stored_candidates(session: Session, *, signatures: Iterable[int]) -> list[Candidate]:
    """Stored posts sharing a band with any of ``signatures``, in id order."""
    band_values: list[set[int]] = [set(), set(), set(), set()]
    for signature in signatures:
        for band, value in enumerate(signature_bands(signature)):
            band_values[band].add(value)
    post_ids: set[int] = set()
    for band, values in enumerate(band_values):
        for chunk in chunks(sorted(values)):
            post_ids.update(
                session.scalars(
                    select(PostSignature.post_id).where(PostSignature.band == band, PostSignature.value.in_(chunk))
                )
            )
    found: list[Candidate] = []
    for chunk in chunks(sorted(post_ids)):
        rows = session.execute(
            select(Post.id, Post.simhash, Post.title, Post.source_id, Post.external_id)
            .where(Post.id.in_(chunk))
            .order_by(Post.id)
        )
        found += [
            Candidate(row.id, row.simhash, row.title, row.source_id, row.external_id)
            for row in rows
            if row.simhash is not None
        ]
    return found


def stored_by_url(session: Session, *, urls: Iterable[str]) -> dict[str, int]:
    """The post each URL names: a post's own URL first, else an alias or repost link's."""
    found: dict[str, int] = {}
    wanted = sorted(set(urls))
    for chunk in chunks(wanted):
        found.update(
            {
                url: post_id
                for post_id, url in session.execute(select(Post.id, Post.url).where(Post.url.in_(chunk)))
                if url
            }
        )
    for chunk in chunks([url for url in wanted if url not in found]):
        rows = session.execute(
            select(PostLink.post_id, PostLink.url).where(PostLink.url.in_(chunk)).order_by(PostLink.id)
        )
        for post_id, url in rows:
            if url:
                found.setdefault(url, post_id)
    return found


def stored_by_external_id(session: Session, *, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """The post with each (source id, id on that source)."""
    wanted: dict[int, set[str]] = {}
    for source_id, external_id in keys:
        wanted.setdefault(source_id, set()).add(external_id)
    found: dict[tuple[int, str], int] = {}
    for source_id, ids in wanted.items():
        for chunk in chunks(sorted(ids)):
            rows = session.execute(
                select(Post.id, Post.external_id).where(Post.source_id == source_id, Post.external_id.in_(chunk))
            )
            found.update({(source_id, external_id): post_id for post_id, external_id in rows if external_id})
    return found
