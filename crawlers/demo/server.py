"""A tiny HTTP server for the demo board: list pages with pagination, detail pages, robots.txt."""

from __future__ import annotations

import argparse
import html
import math
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

POSTS_FILE = Path(__file__).with_name("posts.yaml")
PER_PAGE = 5


@lru_cache(maxsize=1)
def board() -> dict[str, Any]:
    """The demo board data."""
    data: dict[str, Any] = yaml.safe_load(POSTS_FILE.read_text(encoding="utf-8"))
    return data


def _page(title: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>"
        f'<header><a href="/list_1.html">{html.escape(board()["board"])}</a></header>{body}'
        "<footer>青禾区人民政府 版权所有</footer></body></html>"
    ).encode()


def render_list(page: int) -> bytes | None:
    """List page ``page`` (1-based), or None when out of range."""
    posts = sorted(board()["posts"], key=lambda post: post["time"], reverse=True)
    pages = max(1, math.ceil(len(posts) / PER_PAGE))
    if not 1 <= page <= pages:
        return None
    rows = "".join(
        f'<li><a href="/post/{post["id"]}.html">{html.escape(post["title"])}</a>'
        f'<span class="time">{post["time"]}</span></li>'
        for post in posts[(page - 1) * PER_PAGE : page * PER_PAGE]
    )
    pager = f'<a class="next" href="/list_{page + 1}.html">下一页</a>' if page < pages else ""
    return _page(board()["board"], f'<h1>{html.escape(board()["board"])}</h1><ul class="posts">{rows}</ul>{pager}')


def render_post(post_id: int) -> bytes | None:
    """Detail page of one post, or None when unknown."""
    for post in board()["posts"]:
        if post["id"] == post_id:
            paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in post["body"].split("\n") if line.strip())
            body = (
                f"<article><h1>{html.escape(post['title'])}</h1>"
                f'<div class="meta">留言人：<span class="author">{html.escape(post["author"])}</span>'
                f' 留言时间：<span class="time">{post["time"]}</span></div>'
                f'<div class="content">{paragraphs}</div></article>'
            )
            return _page(post["title"], body)
    return None


class Handler(BaseHTTPRequestHandler):
    """Serves the demo board."""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        content: bytes | None = None
        content_type = "text/html; charset=utf-8"
        if path == "/robots.txt":
            content, content_type = b"User-agent: *\nAllow: /\n", "text/plain"
        elif path in ("/", "/index.html"):
            content = render_list(1)
        elif path.startswith("/list_") and path.endswith(".html") and path[6:-5].isdigit():
            content = render_list(int(path[6:-5]))
        elif path.startswith("/post/") and path.endswith(".html") and path[6:-5].isdigit():
            content = render_post(int(path[6:-5]))
        if content is None:
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def source_spec(base_url: str) -> dict[str, Any]:
    """The demo board as a source definition (data, like any other source)."""
    return {
        "name": "demo-board",
        "title": board()["board"],
        "kind": "list_detail",
        "start_urls": [f"{base_url}/list_1.html"],
        "interval_minutes": 10,
        "encoding": "auto",
        "relevance": "all",
        "list": {"item": "ul.posts li", "link": "a::attr(href)", "next_page": "a.next::attr(href)", "max_pages": 5},
        "detail": {
            "title": "article h1",
            "content": "div.content",
            "published_at": "span.time::text",
            "author": "span.author::text",
        },
    }


def make_server(host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A server bound to ``host:port`` (port 0 picks a free one)."""
    return ThreadingHTTPServer((host, port), Handler)


def main() -> None:
    """Serve the demo board until interrupted."""
    parser = argparse.ArgumentParser(description="Serve the demo message board")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = make_server(args.host, args.port)
    print(f"http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
