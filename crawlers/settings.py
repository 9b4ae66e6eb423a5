"""Scrapy settings shared by every crawl: polite, bounded, and honest about who we are."""

from __future__ import annotations

from scrapy.settings import default_settings as _scrapy

BOT_NAME = "muqing"
SPIDER_MODULES: list[str] = []
USER_AGENT = (
    "MuqingBot/0.1 (+public-opinion monitoring for a district livestock office; obeys robots.txt; "
    "contact: the site's district government)"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
MUQING_RETRY_BACKOFF_BASE = 1.0
MUQING_RETRY_BACKOFF_MAX = 30.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy's remote control runs Python sent to it over HTTP: never in a crawler of ours.
REMOTE_CONTROL_ENABLED = False
# Components switched off above are left out of Scrapy's base lists too: Scrapy imports every component it
# is given, even one set to None, and these three (aiohttp, twisted.conch, tldextract) cost each crawl's start
# about a second on a busy machine. The rest of each base list is Scrapy's own, whatever its version.
_NOT_LOADED = {
    "scrapy.extensions.remote_control.RemoteControl",
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
}
EXTENSIONS_BASE = {path: order for path, order in _scrapy.EXTENSIONS_BASE.items() if path not in _NOT_LOADED}
DOWNLOADER_MIDDLEWARES_BASE = {
    path: order for path, order in _scrapy.DOWNLOADER_MIDDLEWARES_BASE.items() if path not in _NOT_LOADED
}
LOG_LEVEL = "INFO"
LOG_INSTALL_ROOT_HANDLER = True
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
# Every request, robots.txt and redirects included, passes the URL policy first (core/urlpolicy.py).
DNS_RESOLVER = "crawlers.middlewares.urlpolicy.PinnedResolver"
DOWNLOADER_MIDDLEWARES = {
    "crawlers.middlewares.urlpolicy.UrlPolicyMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.retry.BackoffRetryMiddleware": 550,
    # Below HttpCompressionMiddleware (590), so it sees the decompressed body.
    "crawlers.middlewares.encoding.EncodingMiddleware": 560,
}
ITEM_PIPELINES = {
    # First: measures what the parser read, before cleaning or the relevance gate drop anything.
    "crawlers.quality.QualityPipeline": 50,
    "crawlers.pipelines.clean.CleanPipeline": 100,
    "crawlers.pipelines.relevance.RelevancePipeline": 200,
    "crawlers.pipelines.store.StorePipeline": 900,
}
