"""Files kept with a case: stored in the data directory, limited in size and type, checked by their content."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path, PurePath
from typing import Protocol

from sqlalchemy.orm import Session

from alerts.cases.models import Alert, Attachment
from core.config import get_settings
from core.errors import InvalidInput
from core.models import User
from core.timeutil import utcnow

# Extension → (content type, accepted leading bytes; empty means "text that decodes as UTF-8").
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    ".ofd": ("application/ofd", (b"PK\x03\x04",)),
    ".txt": ("text/plain; charset=utf-8", ()),
}
CHUNK = 64 * 1024


class Readable(Protocol):
    """Anything with an async ``read`` (e.g. an uploaded file)."""

    async def read(self, size: int = -1) -> bytes: ...


def attachments_dir() -> Path:
    """Where case files live: ``<data dir>/attachments``."""
    path = get_settings().resolved_data_dir / "attachments"
    path.mkdir(parents=True, exist_ok=True)
    return path


def attachment_path(attachment: Attachment) -> Path:
    """The file of an attachment on disk."""
    return attachments_dir() / attachment.storage_path


def _clean_name(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    if not name or name.startswith("."):
        raise InvalidInput("文件名无效", details={"field": "file"})
    return name[:200]


async def store_attachment(
    session: Session, *, alert: Alert, user: User, filename: str, content_type: str | None, stream: Readable
) -> Attachment:
    """Save an uploaded file for ``alert`` after checking its name, size and leading bytes."""
    name = _clean_name(filename)
    suffix = PurePath(name).suffix.lower()
    if suffix not in ALLOWED:
        allowed = "、".join(sorted(ext.lstrip(".") for ext in ALLOWED))
        raise InvalidInput(f"不支持的文件类型「{suffix or '无扩展名'}」，可上传：{allowed}", details={"field": "file"})
    limit = get_settings().attachment_max_bytes
    folder = attachments_dir() / str(alert.id)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    handle, temp_name = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := await stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise InvalidInput(f"文件超过大小上限 {_size_text(limit)}", details={"field": "file"})
                if len(head) < 16:
                    head += chunk[: 16 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise InvalidInput("文件为空", details={"field": "file"})
        mime, magics = ALLOWED[suffix]
        if magics and not any(head.startswith(magic) for magic in magics):
            raise InvalidInput(f"文件内容与扩展名「{suffix}」不符", details={"field": "file"})
        if not magics:
            try:
                Path(temp_name).read_bytes().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidInput("文本文件必须是 UTF-8 编码", details={"field": "file"}) from exc
        sha = digest.hexdigest()
        relative = f"{alert.id}/{sha}{suffix}"
        os.replace(temp_name, attachments_dir() / relative)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    attachment = Attachment(
        alert=alert,
        filename=name,
        content_type=mime,
        size=size,
        sha256=sha,
        storage_path=relative,
        uploaded_by_id=user.id,
        uploaded_at=utcnow(),
    )
    session.add(attachment)
    session.flush()
    return attachment


def _size_text(size: int) -> str:
    """A byte count as people read it (0.5 MB, 20 MB, 800 KB)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{size / 1024:g} KB"
