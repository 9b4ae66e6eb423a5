"""The API as `muqing api` serves it: forwarded addresses are not believed, tokens stay out of the access log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.test_up import free_port, wait_for


@pytest.fixture
def served(seeded: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`muqing api` on a free port over the test database; yields its URL and its log file."""
    from tests.factories import make_user

    make_user("duty", "duty")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUQING_") or k.startswith("MUQING_TEST")}
    env.update(
        MUQING_DATA_DIR=os.environ["MUQING_DATA_DIR"],
        MUQING_DATABASE_URL=seeded,
        MUQING_TASKS_EAGER="1",
        MUQING_ENV="test",
    )
    log_path = tmp_path / "api.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "api", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: httpx.get(f"{base}/api/health").status_code == 200, 120, "the API to answer")
            yield base, log_path
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def test_forwarded_for_from_loopback_does_not_dodge_the_sign_in_throttle(served: tuple[str, Path]) -> None:
    base, _ = served
    statuses = []
    for attempt in range(22):
        response = httpx.post(
            f"{base}/api/auth/token",
            data={"username": f"guess{attempt}", "password": "wrong"},
            headers={"X-Forwarded-For": f"203.0.113.{attempt + 1}"},
        )
        statuses.append(response.status_code)
    # Twenty failures from one address, whatever the header says: the address is throttled.
    assert statuses[:20] == [401] * 20 and statuses[20:] == [429, 429], statuses


def test_the_stream_token_is_not_written_to_the_access_log(served: tuple[str, Path]) -> None:
    base, log_path = served
    token = httpx.post(f"{base}/api/auth/token", data={"username": "duty", "password": "correct horse battery"}).json()[
        "access_token"
    ]
    with httpx.stream("GET", f"{base}/api/notifications/stream?access_token={token}&max_seconds=0.2") as stream:
        assert stream.status_code == 200
        stream.read()
    wait_for(lambda: "/api/notifications/stream" in log_path.read_text(), 10, "the access log line")
    text = log_path.read_text()
    assert token not in text and "access_token=***" in text


def _raw_post(base: str, path: str, *, length: int, headers: dict[str, str], send: int = 65536) -> str:
    """Announce a body of ``length`` bytes, send only ``send`` of them, and return what the server answers."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        head = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {length}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        boundary = headers.get("Content-Type", "").partition("boundary=")[2]
        opening = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'.encode()
        connection.sendall((opening + b"x" * send)[:send])
        try:
            return connection.recv(4096).decode("latin-1")
        except TimeoutError:
            return "(no answer within 10 s: the server is reading the body)"


def test_an_upload_is_refused_before_its_body_is_read_unless_signed_in_and_bounded(
    served: tuple[str, Path],
) -> None:
    base, _ = served
    multipart = {"Content-Type": "multipart/form-data; boundary=muqingtestboundary"}
    # An anonymous upload: refused at once, its body never read (only 64 KiB of it is ever sent).
    anonymous = _raw_post(base, "/api/posts/import", length=1_500_000, headers=multipart)
    assert anonymous.startswith("HTTP/1.1 401"), anonymous
    page = _raw_post(base, "/intake/import", length=1_500_000, headers=multipart)
    assert page.startswith("HTTP/1.1 401"), page
    # 2 GB announced: refused at once too (401 or 413, whichever check speaks first), never read.
    huge = _raw_post(base, "/api/posts/import", length=2_000_000_000, headers=multipart)
    assert huge.startswith(("HTTP/1.1 401", "HTTP/1.1 413")), huge
    token = httpx.post(f"{base}/api/auth/token", data={"username": "duty", "password": "correct horse battery"}).json()[
        "access_token"
    ]
    signed_in = {**multipart, "Authorization": f"Bearer {token}"}
    too_big = _raw_post(base, "/api/posts/import", length=200 * 1024 * 1024, headers=signed_in)
    assert too_big.startswith("HTTP/1.1 413"), too_big
    json_body = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    assert _raw_post(base, "/api/alerts", length=5 * 1024 * 1024, headers=json_body).startswith("HTTP/1.1 413")
    # Within the route's own limit, a signed-in upload larger than the default body limit goes through. Its
    # bulk is in the long handling results, kept beside each post: every row's text is analysed within the
    # request, and it is the size of the body that is tested here, not how fast a thousand posts are analysed.
    rows = "工单编号,标题,主要内容,来电时间,处理结果\n" + "".join(
        f"GD{n:07d},第{n}号工单,{'养殖场异味扰民' * 20},2026-03-01 09:00:00,{'已到现场核查并回复群众' * 1200}\n"
        for n in range(100)
    )
    assert len(rows.encode()) > 3 * 1024 * 1024
    files = {"file": ("orders.csv", rows.encode(), "text/csv")}
    auth = {"Authorization": f"Bearer {token}"}
    imported = httpx.post(f"{base}/api/posts/import", headers=auth, files=files, timeout=300)
    assert imported.status_code == 200 and imported.json()["imported"] == 100, imported.text[:300]
