"""The embedded queue hands consumers only whole messages, even while producers are writing."""

from __future__ import annotations

import threading
from pathlib import Path

from kombu import Connection


def test_messages_are_never_seen_half_written(tmp_path: Path) -> None:
    import core.fsqueue  # noqa: F401 - registers the transport

    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path), "store_processed": False}
    payload = {"text": "柳河镇养猪场" * 2000}
    sent = 400
    received: list[dict[str, str]] = []

    def produce() -> None:
        with Connection("muqingfs://", transport_options=options) as connection:
            queue = connection.SimpleQueue("jobs")
            for _ in range(sent // 2):
                queue.put(payload)
            queue.close()

    producers = [threading.Thread(target=produce) for _ in range(2)]
    for thread in producers:
        thread.start()
    with Connection("muqingfs://", transport_options=options) as connection:
        queue = connection.SimpleQueue("jobs")
        while len(received) < sent:
            message = queue.get(timeout=30)
            received.append(message.payload)
            message.ack()
        queue.close()
    for thread in producers:
        thread.join()
    assert all(item == payload for item in received)
    assert not list(tmp_path.glob("*.part"))
