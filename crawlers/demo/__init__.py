"""The demo: a small message board we wrote, served over HTTP and crawled like any real source."""
