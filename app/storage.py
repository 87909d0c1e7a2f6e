"""Blob storage for uploaded files, behind one interface so an S3-compatible store can follow."""

import asyncio
import contextlib
import logging
import os
import re
import tempfile
import time
from datetime import UTC
from functools import lru_cache
from pathlib import Path
from typing import Protocol
from uuid import uuid4

from app import clock
from app.config import settings

log = logging.getLogger(__name__)

FILE_MODE = 0o640
# A partial upload older than this was left by a write that died (a crash, a kill): a live one
# takes well under a second, so one of another process still writing is never removed.
PARTIAL_MAX_AGE_SECONDS = 15 * 60
_PARTIAL_PREFIX, _PARTIAL_SUFFIX = ".tmp-", ".part"
_EXTENSION = re.compile(r"[a-z0-9]{1,10}")


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None:
        """Store data under key, replacing whatever was there."""
        ...

    async def get(self, key: str) -> bytes:
        """Return the data under key; raise FileNotFoundError when there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove key; a missing key is not an error."""
        ...


def new_key(prefix: str, extension: str) -> str:
    """A fresh server-chosen key such as `evidence/2026/11/<uuid4hex>.jpg` (UTC month)."""
    if not _EXTENSION.fullmatch(extension):
        raise ValueError(f"invalid extension {extension!r}")
    now = clock.now().astimezone(UTC)
    return f"{prefix}/{now:%Y}/{now:%m}/{uuid4().hex}.{extension}"


class LocalStorage:
    """Files under a root directory; every blocking call runs in a worker thread."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        # Keys are server-chosen, so anything odd here is a bug or an attack: refuse it rather
        # than try to clean it up.
        if (
            not key
            or key.startswith("/")
            or ".." in key
            or "\\" in key
            or "\x00" in key
            or any(part in ("", ".") for part in key.split("/"))
        ):
            raise ValueError(f"invalid storage key {key!r}")
        path = (self.root / key).resolve()
        # resolve() follows symlinks, so this also catches a link planted inside the root.
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError(f"storage key {key!r} escapes the storage root")
        return path

    async def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        await asyncio.to_thread(_write_atomically, path, data)

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except IsADirectoryError:
            raise FileNotFoundError(key) from None

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(path.unlink, missing_ok=True)

    async def remove_partial_files(self, max_age_seconds: float = PARTIAL_MAX_AGE_SECONDS) -> int:
        """Remove the temporary files of writes that never finished; returns how many."""
        return await asyncio.to_thread(_remove_partial_files, self.root, max_age_seconds)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A temp file in the same directory keeps os.replace on one filesystem, so readers see
    # either the old file or the whole new one, never a partial write.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=_PARTIAL_PREFIX, suffix=_PARTIAL_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as tmp:
            os.fchmod(tmp.fileno(), FILE_MODE)
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    # Without syncing the directory the rename itself may be lost in a crash.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _remove_partial_files(root: Path, max_age_seconds: float) -> int:
    # File times are wall-clock times of the file system, so they are compared with time.time().
    cutoff = time.time() - max_age_seconds
    removed = 0
    # os.walk does not follow symlinks, so nothing outside the root is looked at.
    for folder, _dirs, names in os.walk(root):
        for name in names:
            if not (name.startswith(_PARTIAL_PREFIX) and name.endswith(_PARTIAL_SUFFIX)):
                continue
            path = Path(folder, name)
            # A file that cannot be removed (gone meanwhile, no permission) does not stop a start.
            try:
                if path.lstat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except OSError as exc:
                log.warning("could not remove the partial file %s: %s", path, exc)
    if removed:
        log.info("removed %d partial upload files", removed)
    return removed


async def remove_partial_uploads() -> int:
    """Start-up clean-up: the partial files a killed process left in the store."""
    storage = get_storage()
    if isinstance(storage, LocalStorage):
        return await storage.remove_partial_files()
    return 0


@lru_cache(maxsize=1)
def get_storage() -> Storage:
    """The process-wide store; tests call `get_storage.cache_clear()` after changing DATA_DIR."""
    return LocalStorage(settings.data_dir / "files")
