"""The embedded job queue: kombu's file-system transport, with each message written atomically.

kombu's own ``_put`` creates the message file and only then writes it, while a consumer in another process
may already have picked the (still empty) file up; the worker then dies on the half-written message
("Unrecoverable error: JSONDecodeError"). Here a message is written under a name consumers ignore and
renamed into place, so a consumer only ever sees whole messages.

Binding a queue has the same kind of race in kombu: the exchange table is created with ``open("wb")`` (which
truncates) and locked only after, so a second process binding at that moment reads an empty file and fails
("JSONDecodeError"), or truncates the first one's table. Here the table is opened without truncating and read
only under the lock, and an empty table (just created) reads as no binding yet.

And kombu records a binding in the process's memory before it writes the table, and skips the table when
memory already knows the binding: another thread of the process could publish in between and find no queue
(the message went to the dead-letter queue), and a process whose queue folder was emptied never wrote the
table again. Here the table is written first, on every bind (a no-op when the entry is there).
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

SCHEME = "muqingfs"


class Channel(filesystem.Channel):
    """A file-system channel whose messages appear in the queue folder complete or not at all."""

    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # Consumers match "<anything>.<queue>.msg"; the ".part" suffix keeps them away until the rename.
        partial = f"{final}.part"
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def get_table(self, exchange: str) -> list[Any]:
        """The queues bound to ``exchange`` (none while its table is being created)."""
        file = self._exchange_file(exchange)
        try:
            with file.open("rb") as handle:
                filesystem.lock(handle, filesystem.LOCK_SH)
                try:
                    text = bytes_to_str(handle.read())
                finally:
                    filesystem.unlock(handle)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc
        return [filesystem.exchange_queue_t(*entry) for entry in loads(text)] if text.strip() else []

    def queue_bind(
        self, queue: str, exchange: str | None = None, routing_key: str = "", arguments: Any = None, **kwargs: Any
    ) -> None:
        """Bind ``queue``: the exchange table on disk first, then this process's memory."""
        name = exchange or "amq.direct"
        meta = self.typeof(name).prepare_bind(queue, name, routing_key, arguments)
        self._queue_bind(name, *meta)
        super().queue_bind(queue, exchange, routing_key, arguments, **kwargs)

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(parents=True, exist_ok=True)
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        try:
            # Created if missing but never truncated, and read only under the lock.
            with os.fdopen(os.open(file, os.O_RDWR | os.O_CREAT, 0o644), "rb+", buffering=0) as handle:
                filesystem.lock(handle, filesystem.LOCK_EX)
                try:
                    text = bytes_to_str(handle.read())
                    table = [filesystem.exchange_queue_t(*q) for q in loads(text)] if text.strip() else []
                    if entry not in table:
                        table.insert(0, entry)
                        handle.seek(0)
                        handle.truncate()
                        handle.write(str_to_bytes(dumps(table)))
                finally:
                    filesystem.unlock(handle)
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc


class Transport(filesystem.Transport):
    """kombu's file-system transport with atomic message files."""

    Channel = Channel


TRANSPORT_ALIASES.setdefault(SCHEME, f"{__name__}:Transport")
