"""Spiders: they only parse pages into PostItems; cleaning and storage are pipelines."""
