"""Text files that people in the offices upload or hand to a command: UTF-8 or the GB18030 of Windows tools."""

from __future__ import annotations

# Excel and Notepad save UTF-8 with a byte-order mark or, on a Chinese Windows, GB18030 (of which GBK is a part).
ENCODINGS = ("utf-8-sig", "gb18030")


def decode_local_text(data: bytes) -> str | None:
    """The text of ``data`` read as UTF-8 (BOM or not) or else GB18030; None when it is neither."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
