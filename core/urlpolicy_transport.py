"""The URL policy as an httpx transport: every request an outgoing client sends is checked and pinned.

Apart from ``core.urlpolicy`` because httpx (with the command-line extras it loads) costs every process that
reads the settings a noticeable start, and only the senders of notifications need it.
"""

from __future__ import annotations

import httpx

from core.urlpolicy import check_url


class PinnedTransport(httpx.HTTPTransport):
    """An httpx transport that checks each request's URL and connects to the approved address only.

    The URL keeps its host name for the ``Host`` header and TLS (SNI and certificate checks); only the
    connection goes to the pinned address. A redirect followed by the client comes through here again.
    """

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Check, pin, send."""
        pinned = check_url(str(request.url))
        request.url = request.url.copy_with(host=pinned.address)
        request.extensions = {**request.extensions, "sni_hostname": pinned.host}
        return super().handle_request(request)
