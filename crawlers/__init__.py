"""Collection: sources as data, Scrapy spiders that only parse, one pipeline per file."""
