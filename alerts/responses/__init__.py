"""Answering well: the four checks before a response is published (保密关、法律关、政治关、文字关), drafts
built from the 口径库 and the case's facts, similar closed cases, and the response-quality figures.

``service`` is the only writer of ``response_review``; the lifecycle (``alerts/cases/responding.py``) calls it
on ``respond`` and ``sign_off``.
"""
