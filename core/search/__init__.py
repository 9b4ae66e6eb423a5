"""Search over posts behind one interface, with two backends: SQLite FTS5 (embedded) and Elasticsearch.

- ``base``: the query, document and result types and the backend interface;
- ``fts5`` / ``elastic``: the backends; ``service``: search, sync from the search outbox, rebuild;
- ``changes``: writes a search-outbox row in the same transaction as any change to a post's document;
- ``plugins``: how nlp (the tokenizer) and alerts (section, case fields) contribute without core importing them.
"""
