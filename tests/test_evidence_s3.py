"""Evidence files in an S3-compatible bucket (several app servers, no shared disk), against a
real S3 server speaking HTTP (moto's standalone server on a free port): upload, download in
scope, nothing on the local disk, the bucket's objects named by hash, `check` naming an
altered or deleted object, and a backup copying the bucket's files."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from ledger.blobs import ObjectStore, sha256_of
from tests.test_evidence import JPEG, NAME, _files, _store, _upload, receipt  # noqa: F401

BUCKET = "quy-btte-chung-tu"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def bucket(app):
    """A private bucket on a local S3 server, and the app configured to keep files in it."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    settings = {
        "EVIDENCE_S3_BUCKET": BUCKET,
        "EVIDENCE_S3_ENDPOINT": f"http://{host}:{port}",
        "EVIDENCE_S3_REGION": "us-east-1",
        "EVIDENCE_S3_ACCESS_KEY": "test",
        "EVIDENCE_S3_SECRET_KEY": "test",
    }
    app.config.update(settings)
    client = boto3.client(
        "s3",
        endpoint_url=settings["EVIDENCE_S3_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=BUCKET)
    yield client
    server.stop()


def _objects(client) -> list[str]:
    listed = client.list_objects_v2(Bucket=BUCKET)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_files_live_in_the_bucket_and_check_names_an_altered_object(
    app, client, session, login, receipt, runner, bucket, tmp_path
):
    login("thuquy.a")
    page_url = f"/receipts/{receipt.id}"
    assert _upload(client, page_url, JPEG, NAME).status_code == 302
    assert _upload(client, page_url, JPEG, NAME).status_code == 302  # the same scan again
    rows = _files(session, receipt.id)
    assert len(rows) == 2 and rows[0].sha256 == rows[1].sha256 == sha256_of(JPEG)
    digest = rows[0].sha256
    key = f"evidence/{digest[:2]}/{digest[2:4]}/{digest}"
    assert _objects(bucket) == [key]  # stored once, by its hash
    assert not _store(app).exists() or not any(_store(app).rglob("*"))  # nothing on this disk
    assert client.get(f"/evidence/{rows[0].id}").data == JPEG
    assert "Kèm theo: 2 chứng từ gốc." in client.get(page_url).text

    # a backup copies the bucket's files beside the database copy
    out = tmp_path / "backup.db"
    made = runner.invoke(args=["backup", str(out)])
    assert made.exit_code == 0, made.output
    assert (Path(f"{out}.evidence") / digest[:2] / digest[2:4] / digest).read_bytes() == JPEG

    assert runner.invoke(args=["check"]).exit_code == 0
    bucket.put_object(Bucket=BUCKET, Key=key, Body=JPEG + b"tampered")
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert re.search(rf"evidence: receipt {receipt.id} .*{NAME}.*altered", result.output)
    bucket.delete_object(Bucket=BUCKET, Key=key)
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1 and "missing from the store" in result.output
    assert client.get(f"/evidence/{rows[0].id}").status_code in (404, 410)


def test_the_object_store_answers_as_the_folder_store_does(bucket):
    store = ObjectStore(bucket, BUCKET, "other/")
    assert store.get("0" * 64) is None and not store.has("0" * 64)
    digest = store.put(b"%PDF-1.4 scan")
    assert store.put(b"%PDF-1.4 scan") == digest == sha256_of(b"%PDF-1.4 scan")
    assert store.has(digest) and store.get(digest) == b"%PDF-1.4 scan"
    assert list(store.names()) == [digest]
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")
