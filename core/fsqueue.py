"""The embedded job queue: kombu's file-system transport, with each message written atomically.

kombu's own ``_put`` creates the message file and only then writes it, while a consumer in another process
may already have picked the (still empty) file up; the worker then dies on the half-written message
("Unrecoverable error: JSONDecodeError"). Here a message is written under a name consumers ignore and
renamed into place, so a consumer only ever sees whole messages.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

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


class Transport(filesystem.Transport):
    """kombu's file-system transport with atomic message files."""

    Channel = Channel


TRANSPORT_ALIASES.setdefault(SCHEME, f"{__name__}:Transport")
