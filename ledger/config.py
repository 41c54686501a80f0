"""Configuration: defaults → instance/config.py → LEDGER_* environment → test_config."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

DEFAULTS = {
    "DATABASE_URL": None,
    "SECRET_KEY": None,
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    "LANGUAGES": ["vi", "en"],
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    #: set LEDGER_SESSION_COOKIE_SECURE=true when served over HTTPS
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=10),
    "IDLE_TIMEOUT_MINUTES": 30,
    "ABSOLUTE_TIMEOUT_HOURS": 10,
    "MAX_FAILED_LOGINS": 10,
    "LOCKOUT_MINUTES": 15,
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": 3600 * 8,
    "PAGE_SIZE": 50,
    #: an import preview lists this many bad (and good) rows, then counts the rest
    "IMPORT_PREVIEW_ROWS": 200,
    #: checking one uploaded file may take this long before it is refused as too large
    "IMPORT_SECONDS": 30,
    #: files checked at once per server process; more wait their turn with a message
    "IMPORTS_AT_ONCE": 1,
    #: a previewed file not imported or cancelled is removed after this long
    "UPLOAD_MAX_AGE_MINUTES": 60,
    #: a previewed import file larger than this is recorded by a background job
    "IMPORT_DIRECT_BYTES": 1024 * 1024,
    #: background jobs: results under this folder (default instance/jobs; shared by every
    #: app server when there are several), kept this many days
    "JOBS_FOLDER": None,
    "JOBS_KEEP_DAYS": 7,
    #: jobs one runner runs at once; a job whose runner is silent this long is restarted,
    #: at most this many times; a job running longer than this is stopped
    "JOBS_AT_ONCE": 2,
    "JOBS_STALE_SECONDS": 60,
    "JOBS_MAX_ATTEMPTS": 3,
    "JOBS_MAX_MINUTES": 60,
    #: a reconciliation workbook over more receipts than this is made in the background
    "WORKBOOK_DIRECT_RECEIPTS": 20000,
    #: admins pass a second factor (TOTP) at sign-in
    "ADMIN_SECOND_FACTOR": True,
    #: evidence files (chứng từ gốc): the blob store's folder (default instance/evidence;
    #: outside the web root, shared by every app server when there are several) and the
    #: largest file accepted
    "EVIDENCE_FOLDER": None,
    "EVIDENCE_MAX_BYTES": 10 * 1024 * 1024,
    #: or an S3-compatible bucket (several app servers with no shared disk): the bucket, its
    #: key prefix, the endpoint (empty: AWS), region and keys (empty: boto3's own chain)
    "EVIDENCE_S3_BUCKET": "",
    "EVIDENCE_S3_PREFIX": "evidence/",
    "EVIDENCE_S3_ENDPOINT": "",
    "EVIDENCE_S3_REGION": "",
    "EVIDENCE_S3_ACCESS_KEY": "",
    "EVIDENCE_S3_SECRET_KEY": "",
}


def load_config(app, test_config: dict | None) -> None:
    """Fill ``app.config`` in precedence order and settle the database URL and secret key."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("LEDGER")
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "ledger.db")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = instance_secret(Path(app.instance_path) / "secret_key")


def instance_secret(path: Path) -> str:
    """Read the secret key kept in ``instance/``, generating it once (mode 0600)."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
