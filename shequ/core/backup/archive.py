"""The archive: its members, their checksums, and reading it back safely."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any

FORMAT = "shequ-backup/1"
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_PREFIX = "media/"
KEYS_WARNING = (
    "The encryption keys (SHEQU_FIELD_KEY, SHEQU_HASH_KEY) are NOT in this backup. Without them the "
    "ID and phone numbers in it cannot be read or looked up: keep the keys in your key store, apart "
    "from the backups, for as long as you keep the backups."
)
CHUNK = 1 << 20


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def media_files(root: Path) -> list[tuple[str, Path]]:
    if not root.is_dir():
        return []
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


class MediaSum:
    """A checksum over (path, size, SHA-256) of every media file, in path order."""

    def __init__(self) -> None:
        self.files = 0
        self.bytes = 0
        self._entries: list[tuple[str, int, str]] = []

    def add(self, relpath: str, size: int, sha256: str) -> None:
        self.files += 1
        self.bytes += size
        self._entries.append((relpath, size, sha256))

    @property
    def names(self) -> set[str]:
        return {relpath for relpath, _size, _sha in self._entries}

    def summary(self) -> dict[str, Any]:
        digest = hashlib.sha256()
        for relpath, size, sha in sorted(self._entries):
            digest.update(f"{relpath}\x1f{size}\x1f{sha}\x1e".encode())
        return {"files": self.files, "bytes": self.bytes, "sha256": digest.hexdigest()}


def safe_media_path(member: str) -> str | None:
    """The path under MEDIA_ROOT of an archive member, or None when it would leave MEDIA_ROOT."""
    rel = PurePosixPath(member[len(MEDIA_PREFIX) :])
    if rel.is_absolute() or not rel.parts or any(p in ("", ".", "..") for p in rel.parts):
        return None
    return rel.as_posix()


def read_manifest(archive: Path | str) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest: dict[str, Any] = json.loads(member.read())
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{archive} is not a readable shequ backup: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}: unknown backup format {manifest.get('format')!r} (expected {FORMAT})")
    return manifest


def members(archive: Path | str) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if member.isfile():
                stream = tar.extractfile(member)
                if stream is not None:
                    yield member, stream


def copy_hashing(stream: IO[bytes], target: IO[bytes] | None) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while block := stream.read(CHUNK):
        digest.update(block)
        size += len(block)
        if target is not None:
            target.write(block)
    return size, digest.hexdigest()


def unpack_and_check(archive: Path | str, manifest: dict[str, Any], workdir: Path) -> tuple[Path, set[str]]:
    """Extract the database file and check it and the media against the manifest before anything
    is touched: a damaged or altered archive is refused whole."""
    db_name = manifest["database"]["file"]
    db_path = workdir / db_name
    media = MediaSum()
    seen_db = False
    for member, stream in members(archive):
        if member.name == db_name:
            with db_path.open("wb") as out:
                size, sha = copy_hashing(stream, out)
            if size != manifest["database"]["bytes"] or sha != manifest["database"]["sha256"]:
                raise BackupError(
                    f"the database file in the archive does not match its manifest (SHA-256 {sha[:12]}…, "
                    f"expected {manifest['database']['sha256'][:12]}…): the archive is damaged or was altered"
                )
            seen_db = True
        elif member.name.startswith(MEDIA_PREFIX):
            rel = safe_media_path(member.name)
            if rel is None:
                raise BackupError(f"the archive holds a file outside the media folder: {member.name!r}")
            size, sha = copy_hashing(stream, None)
            media.add(rel, size, sha)
        elif member.name != MANIFEST:
            raise BackupError(f"unexpected file in the archive: {member.name!r}")
    if not seen_db:
        raise BackupError(f"the archive has no {db_name}")
    expected = {k: manifest["media"][k] for k in ("files", "bytes", "sha256")}
    if media.summary() != expected:
        raise BackupError(
            f"the media files in the archive do not match the manifest ({media.files} files, expected "
            f"{expected['files']}): the archive is damaged or was altered"
        )
    return db_path, media.names


def extract_media(archive: Path | str, root: Path) -> None:
    for member, stream in members(archive):
        if not member.name.startswith(MEDIA_PREFIX):
            continue
        rel = safe_media_path(member.name)
        assert rel is not None  # checked before the database was touched
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with partial.open("wb") as out:
            shutil.copyfileobj(stream, out, CHUNK)
        partial.replace(target)
