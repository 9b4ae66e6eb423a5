"""A real local HTTP server for the fixture sites (tests/fixtures/sites/README.md, "Serving contract").

Serves every file byte for byte under its path, applies each site's ``_server.json`` (headers, routes with
query/form parameters, the Weibo cookie gate, and the ``bad`` site's status codes, slow answer, redirect
loop and 64 MiB chunked page). Tests may also replace any path's answer at run time (``server.override``).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sites"
DOCUMENTATION = {"README.md", "_server.json", "expected.json", ".gitattributes"}
CONTENT_TYPES = {".html": "text/html", ".htm": "text/html", ".json": "application/json", ".xml": "application/xml"}


class SiteServer(ThreadingHTTPServer):
    """The fixture server; ``root`` is a folder of sites (default: tests/fixtures/sites)."""

    daemon_threads = True

    def __init__(self, root: Path = FIXTURES, port: int = 0):
        super().__init__(("127.0.0.1", port), Handler)
        self.root = root
        self.rules = {
            folder.name: json.loads((folder / "_server.json").read_text(encoding="utf-8"))
            for folder in root.iterdir()
            if (folder / "_server.json").is_file()
        }
        self.overrides: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.robots: str | None = None
        self.requests: list[str] = []
        self.slow_seconds = 30.0

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def override(self, path: str, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        """Answer ``path`` (without query) with this instead of the fixture."""
        self.overrides[path] = (status, headers or {"Content-Type": "text/html; charset=utf-8"}, body)


@contextmanager
def serving(root: Path = FIXTURES) -> Iterator[SiteServer]:
    """A running server in a background thread, shut down afterwards."""
    server = SiteServer(root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _match(pattern: str, path: str) -> dict[str, str] | None:
    regex = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(pattern)) + "$"
    found = re.match(regex, path)
    return {key: unquote(value) for key, value in found.groupdict().items()} if found else None


def _signed(rule: dict[str, str], params: dict[str, str]) -> bool:
    """The board's signature: md5(path + param + md5(appCode)[:16] + token)."""
    import hashlib

    key = hashlib.md5(rule["app_code"].encode()).hexdigest()[:16]
    text = rule["path"] + params.get("param", "") + key + params.get("token", "")
    expected = hashlib.md5(text.encode()).hexdigest()
    return params.get("appCode") == rule["app_code"] and params.get("signature") == expected


class Handler(BaseHTTPRequestHandler):
    """Answers GET and POST as the serving contract says."""

    server: SiteServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._answer("GET", {})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        params: dict[str, str] = {}
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                data = json.loads(raw or b"{}")
                params = {key: str(value) for key, value in data.items()} if isinstance(data, dict) else {}
                # A signed envelope ({appCode, token, signature, param}): the business fields are in ``param``.
                inner = json.loads(params["param"]) if params.get("param", "").startswith("{") else {}
                params.update({key: str(value) for key, value in inner.items()})
            except ValueError:
                params = {}
        else:
            params = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        self._answer("POST", params)

    # -- answering --------------------------------------------------------------------------------------

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _not_found(self) -> None:
        self._send(404, {"Content-Type": "text/html; charset=utf-8"}, b"<html><body><h1>404</h1></body></html>")

    def _answer(self, method: str, body_params: dict[str, str]) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        self.server.requests.append(self.path)
        params = {**dict(parse_qsl(parts.query, keep_blank_values=True)), **body_params}
        if path in self.server.overrides:
            status, headers, body = self.server.overrides[path]
            self._send(status, headers, body)
            return
        if path == "/robots.txt":
            if self.server.robots is None:
                self._not_found()
            else:
                self._send(200, {"Content-Type": "text/plain"}, self.server.robots.encode())
            return
        site = path.strip("/").split("/", 1)[0]
        rules = self.server.rules.get(site, {})
        if self._cookie_gate(rules, path) or self._dynamic(rules, path) or self._route(rules, path, method, params):
            return
        self._static(path, rules)

    def _cookie_gate(self, rules: dict[str, Any], path: str) -> bool:
        gate = rules.get("cookie_gate")
        if not gate or path not in gate["paths"]:
            return False
        cookie = SimpleCookie(self.headers.get("Cookie") or "")
        value = cookie[gate["cookie"]].value if gate["cookie"] in cookie else ""
        if value and value != "expired":
            return False
        location = gate["location"].replace("{quoted_request_url}", quote(self.path, safe=""))
        self._send(gate["status"], {"Location": location, "Content-Type": "text/html"}, b"")
        return True

    def _dynamic(self, rules: dict[str, Any], path: str) -> bool:
        for pattern, rule in (rules.get("dynamic") or {}).items():
            found = _match(pattern, path)
            if found is None:
                continue
            if "codes" in rule:
                code = found.get("code", "")
                if not code.isdigit() or int(code) not in rule["codes"]:
                    self._not_found()
                    return True
                body = rule["body"].replace("{code}", code).encode()
                self._send(int(code), {"Content-Type": rule["content_type"]}, body)
            elif "delay_seconds" in rule:
                time.sleep(min(rule["delay_seconds"], self.server.slow_seconds))
                self._send(rule["status"], {"Content-Type": rule["content_type"]}, rule["body"].encode())
            elif "location" in rule:
                self._send(rule["status"], {"Location": rule["location"], "Content-Type": "text/html"}, b"")
            elif rule.get("chunked"):
                self._huge(rule)
            return True
        return False

    def _huge(self, rule: dict[str, Any]) -> None:
        self.send_response(rule["status"])
        self.send_header("Content-Type", rule["content_type"])
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = (rule["body_repeat"] * 512).encode()
        sent = 0
        try:
            while sent < rule["size_bytes"]:
                self.wfile.write(f"{len(chunk):X}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up at its size limit, as it should
        self.close_connection = True

    def _route(self, rules: dict[str, Any], path: str, method: str, params: dict[str, str]) -> bool:
        for route in rules.get("routes") or []:
            segments = _match(route["path"], path)
            if segments is None or method not in route.get("methods", ["GET"]):
                continue
            if any(params.get(key) != value for key, value in (route.get("when") or {}).items()):
                continue
            if any(not params.get(key) for key in route.get("needs") or ()):
                continue
            if "signed" in route and not _signed(route["signed"], params):
                body = json.dumps({"code": "SN0006", "msg": "数据格式错误"}, ensure_ascii=False).encode()
                self._send(200, {"Content-Type": "application/json;charset=UTF-8"}, body)
                return True
            if "redirect" in route:
                location = route["redirect"]["location"].replace("{quoted_request_url}", quote(self.path, safe=""))
                self._send(route["redirect"]["status"], {"Location": location, "Content-Type": "text/html"}, b"")
                return True
            values = dict(segments)
            for name, spec in (route.get("params") or {}).items():
                if spec.get("ignored"):
                    continue
                if name in params and params[name] != "":
                    values[name] = params[name]
                elif "default" in spec:
                    values[name] = spec["default"]
                elif spec.get("required"):
                    self._not_found()
                    return True
            file = route["file"]
            for name, value in values.items():
                file = file.replace("{" + name + "}", value)
            target = self.server.root / file
            content_type = route.get("content_type", "text/html")
            if ".." in file or not target.is_file():
                missing = route.get("missing_file")
                if missing is None:
                    self._not_found()
                elif "file" in missing:
                    self._send(200, {"Content-Type": content_type}, (self.server.root / missing["file"]).read_bytes())
                else:
                    body = json.dumps(missing["body"], ensure_ascii=False).encode()
                    self._send(missing.get("status", 200), {"Content-Type": content_type}, body)
                return True
            self._send(200, {"Content-Type": content_type}, target.read_bytes())
            return True
        return False

    def _static(self, path: str, rules: dict[str, Any]) -> None:
        relative = path.lstrip("/")
        target = (self.server.root / relative).resolve()
        if (
            not relative
            or ".." in relative.split("/")
            or target.name in DOCUMENTATION
            or not target.is_file()
            or self.server.root.resolve() not in target.parents
        ):
            self._not_found()
            return
        headers = (rules.get("headers") or {}).get(path)
        if headers is None:
            headers = {"Content-Type": CONTENT_TYPES.get(target.suffix, "application/octet-stream")}
        self._send(200, dict(headers), target.read_bytes())
