"""The district as data: its places (towns, streets, villages, landmarks, farms) and the livestock lexicon.

Both are tables loaded from the profile (``seeding``) and then edited by the admin (``service``); everything
that reads them (entity recognition, routing, the relevance gate, the dashboard) goes through ``data``, which
falls back to the chosen profile's files while the tables are empty.
Profiles: ``lanshan`` (临沂市兰山区, the default) and ``demo`` (the invented 青禾区).
"""
