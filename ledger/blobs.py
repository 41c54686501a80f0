"""Where evidence files' bytes live: a content-addressed blob store behind a small interface.

A blob is named by the sha256 of its bytes, so the same scan uploaded twice is stored once,
and a file changed behind the application's back no longer matches its name (``check`` names
it). ``FolderStore`` keeps blobs in a folder outside the web root (``EVIDENCE_FOLDER``,
default ``instance/evidence``), two levels of sub-folders by the hash's first characters,
written to a temporary name and renamed, so a reader sees a whole file or none.
``ObjectStore`` keeps them in a bucket of an S3-compatible object store (AWS S3, MinIO, Ceph,
Viettel or FPT object storage…) when ``EVIDENCE_S3_BUCKET`` is set, for several app servers
that share no disk: same names under ``EVIDENCE_S3_PREFIX``, an object written in one request
is whole or absent. Both implement the same four methods; nothing else in the application
touches the files.

Blobs are never deleted by the application: a row that references one may be restored from
a backup, and an orphan (a blob written for an upload whose transaction then rolled back)
costs only its bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

_HASH = re.compile(r"[0-9a-f]{64}")


class BlobStore(Protocol):
    """What the application needs of a place to keep files."""

    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its sha256 in hex."""

    def get(self, digest: str) -> bytes | None:
        """The bytes stored under ``digest``, or None when there are none."""

    def has(self, digest: str) -> bool:
        """Whether bytes are stored under ``digest`` (not whether they still match it)."""

    def names(self) -> Iterator[str]:
        """Every digest stored (for a backup)."""


def sha256_of(data: bytes) -> str:
    """The name a blob is stored under."""
    return hashlib.sha256(data).hexdigest()


class FolderStore:
    """Blobs as files ``<folder>/ab/cd/abcd…`` (mode 0640, never executable)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def _path(self, digest: str) -> Path:
        if not _HASH.fullmatch(digest):
            raise ValueError("not a sha256 digest")
        return self.folder / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        digest = sha256_of(data)
        path = self._path(digest)
        if path.exists() and sha256_of(path.read_bytes()) == digest:
            return digest  # deduplicated: the same bytes are already there
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o640)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str) -> bytes | None:
        try:
            return self._path(digest).read_bytes()
        except FileNotFoundError:
            return None

    def has(self, digest: str) -> bool:
        return self._path(digest).is_file()

    def names(self) -> Iterator[str]:
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("??/??/*")):
            if _HASH.fullmatch(path.name):
                yield path.name


def _key(prefix: str, digest: str) -> str:
    if not _HASH.fullmatch(digest):
        raise ValueError("not a sha256 digest")
    return f"{prefix}{digest[:2]}/{digest[2:4]}/{digest}"


class ObjectStore:
    """Blobs as objects ``<prefix>ab/cd/abcd…`` of one bucket, through any S3-compatible API
    (``client`` is a boto3 S3 client; the bucket exists and is private)."""

    def __init__(self, client: Any, bucket: str, prefix: str = "evidence/") -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def put(self, data: bytes) -> str:
        digest = sha256_of(data)
        current = self.get(digest)
        if current is not None and sha256_of(current) == digest:
            return digest  # deduplicated
        self.client.put_object(
            Bucket=self.bucket,
            Key=_key(self.prefix, digest),
            Body=data,
            ContentType="application/octet-stream",
        )
        return digest

    def get(self, digest: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=_key(self.prefix, digest))
        except self.client.exceptions.NoSuchKey:
            return None
        return bytes(answer["Body"].read())

    def has(self, digest: str) -> bool:
        found = self.client.list_objects_v2(
            Bucket=self.bucket, Prefix=_key(self.prefix, digest), MaxKeys=1
        )
        return bool(found.get("KeyCount"))

    def names(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                name = str(item["Key"]).rsplit("/", 1)[-1]
                if _HASH.fullmatch(name):
                    yield name


def s3_client(config: Mapping[str, Any]) -> Any:
    """A boto3 S3 client from ``EVIDENCE_S3_*`` (endpoint, region, keys; unset keys fall back
    to boto3's own chain: environment, instance role)."""
    import boto3  # the optional "s3" extra: only a deployment that uses a bucket installs it

    return boto3.client(
        "s3",
        endpoint_url=config.get("EVIDENCE_S3_ENDPOINT") or None,
        region_name=config.get("EVIDENCE_S3_REGION") or None,
        aws_access_key_id=config.get("EVIDENCE_S3_ACCESS_KEY") or None,
        aws_secret_access_key=config.get("EVIDENCE_S3_SECRET_KEY") or None,
    )


def store_from_config(config: Mapping[str, Any], instance_path: str) -> BlobStore:
    """The store the configuration names: the bucket ``EVIDENCE_S3_BUCKET`` when set, else the
    folder ``EVIDENCE_FOLDER`` (default ``instance/evidence``)."""
    bucket = config.get("EVIDENCE_S3_BUCKET")
    if bucket:
        prefix = config.get("EVIDENCE_S3_PREFIX", "evidence/")
        return ObjectStore(s3_client(config), bucket, prefix)
    folder = config.get("EVIDENCE_FOLDER") or os.path.join(instance_path, "evidence")
    return FolderStore(folder)
