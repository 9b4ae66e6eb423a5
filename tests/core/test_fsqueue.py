"""The embedded queue hands consumers only whole messages, even while producers are writing, and binding a
queue from several threads at once (the exchange table in the control folder) never fails."""

from __future__ import annotations

import threading
from pathlib import Path

from kombu import Connection, Exchange, Queue


def test_messages_are_never_seen_half_written(tmp_path: Path) -> None:
    import core.fsqueue  # noqa: F401 - registers the transport

    options = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "control_folder": str(tmp_path / "control"),
        "store_processed": False,
    }
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
    assert (tmp_path / "control" / "jobs.exchange").exists()


def _bind_at_once(options: dict[str, str], exchange: Exchange, count: int) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def bind(index: int) -> None:
        try:
            with Connection("muqingfs://", transport_options=options) as connection:
                start.wait()
                Queue(f"q{index}", exchange, routing_key=f"q{index}")(connection).declare()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=bind, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_queues_bound_at_once_are_all_in_the_table(tmp_path: Path) -> None:
    import core.fsqueue  # noqa: F401 - registers the transport

    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path), "control_folder": str(tmp_path)}
    for round_ in range(20):  # the race is narrow: many rounds make missing it unlikely
        exchange = Exchange(f"shared{round_}", type="direct")
        assert _bind_at_once(options, exchange, 8) == []
        with Connection("muqingfs://", transport_options=options) as connection:
            table = connection.default_channel.get_table(exchange.name)
        assert sorted(entry.queue for entry in table) == [f"q{index}" for index in range(8)]


def test_a_queue_bound_again_after_its_folder_was_emptied_still_receives(tmp_path: Path) -> None:
    import core.fsqueue  # noqa: F401 - registers the transport

    for run in ("first", "after the folder was emptied"):
        folder = tmp_path / run
        options = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
        folder.mkdir()
        # This process bound the queue before (first run); kombu's memory of that must not stand in for the table.
        with Connection("muqingfs://", transport_options=options) as connection:
            queue = connection.SimpleQueue("kept")
            queue.put({"run": run})
            assert queue.get(timeout=5).payload == {"run": run}
            queue.close()
        assert (folder / "control" / "kept.exchange").exists()
