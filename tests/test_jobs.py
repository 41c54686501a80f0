"""Background jobs: a large workbook and the full check run in the background with a progress
bar, one job per user, downloads only for those who may see them, restarts after a crash."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, insert, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from ledger import worker
from ledger.engine import get_engine, new_session
from ledger.errors import CampaignNotFound, JobAlreadyRunning
from ledger.models import AuditEvent, Job, Receipt, table_of, utcnow
from ledger.services import check, jobs
from ledger.services.reconciliation import export_workbook
from tests.conftest import form_tokens


@pytest.fixture
def large(app):
    """Every reconciliation workbook counts as large (made in the background)."""
    app.config["WORKBOOK_DIRECT_RECEIPTS"] = 0
    return app


@pytest.fixture
def settings(app):
    """The runner's settings for the test app; every progress report written."""
    return dataclasses.replace(worker.settings_from(app.config, app.instance_path), report_every=0)


def _job(session, job_id: int) -> Job:
    session.rollback()
    found = session.get(Job, job_id)
    assert found is not None
    session.refresh(found)
    return found


def _start_workbook(client, campaign, as_of="31/12/2018") -> int:
    """Open the workbook link (a page offering the background job), start it, land on it."""
    page = client.get(f"/campaigns/{campaign.id}/workbook.xlsx?as_of={as_of}")
    assert page.status_code == 200 and "Tạo bảng đối chiếu" in page.text
    response = client.post(
        f"/campaigns/{campaign.id}/workbook-job?as_of={as_of}", data=form_tokens(page.text)
    )
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _sheets(path) -> dict:
    book = openpyxl.load_workbook(path)
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


def test_a_reviewer_starts_a_large_workbook_sees_progress_and_downloads_it(
    large, client, demo, make_user, login, session, settings, monkeypatch, tmp_path
):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    job_id = _start_workbook(client, demo)
    queued = client.get(f"/jobs/{job_id}/progress.json").get_json()
    assert queued["status"] == "queued" and queued["status_label"] == "Chờ"
    assert queued["ended"] is False
    page = client.get(f"/jobs/{job_id}")
    assert "<progress" in page.text and 'data-progress="/jobs/' in page.text
    assert "Công việc nền" in client.get("/").text  # the menu links to the list

    seen = []
    real = jobs.record_progress

    def spy(session_, job_id_, claim, *, step, done, total):
        seen.append((step, done, total))
        return real(session_, job_id_, claim, step=step, done=done, total=total)

    monkeypatch.setattr(jobs, "record_progress", spy)
    assert worker.run_next(settings) == job_id
    assert seen[0][1] == 0 and seen[-1][1] == seen[-1][2] > 0
    assert [done for _step, done, _total in seen] == sorted(done for _s, done, _t in seen)
    done = client.get(f"/jobs/{job_id}/progress.json").get_json()
    assert done["status"] == "done" and done["ended"] and done["done"] == done["total"]

    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    assert "doi-chieu-2018-TT.xlsx" in download.headers["Content-Disposition"]
    (tmp_path / "job.xlsx").write_bytes(download.data)
    export_workbook(
        session, campaign_id=demo.id, as_of=date(2018, 12, 31), path=tmp_path / "direct.xlsx"
    )
    from_job, direct = _sheets(tmp_path / "job.xlsx"), _sheets(tmp_path / "direct.xlsx")
    assert from_job == direct and len(from_job) >= 6
    listing = client.get("/jobs/")
    assert "Bảng đối chiếu" in listing.text and "Xong" in listing.text
    assert f"/jobs/{job_id}/download" in listing.text


def test_only_the_starter_or_someone_in_scope_sees_or_downloads_a_job(
    large, app, client, demo, make_user, login, session, settings, two_districts
):
    make_user("duyet.tt", "reviewer", "TT")
    make_user("duyet.tt2", "reviewer", "TT")
    make_user("duyet.px", "reviewer", "PX")
    make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG")
    login("duyet.tt")
    job_id = _start_workbook(client, demo)
    worker.run_next(settings)
    for username, allowed in (("duyet.px", False), ("thuquy.cd", False), ("duyet.tt2", True)):
        other = app.test_client()
        page = other.get("/auth/login")
        other.post(
            "/auth/login",
            data={
                "username": username,
                "password": "correct-horse-battery",
                **form_tokens(page.text),
            },
        )
        for path in ("", "/progress.json", "/download"):
            status = other.get(f"/jobs/{job_id}{path}").status_code
            assert status == (200 if allowed else 404), (username, path, status)
        cancel = other.post(f"/jobs/{job_id}/cancel", data=form_tokens(other.get("/jobs/").text))
        assert cancel.status_code == 404, username  # nobody cancels another's job
        assert f"/jobs/{job_id}" not in other.get("/jobs/").text  # lists only one's own


def test_an_unmasked_workbook_job_is_audited_and_only_its_starter_downloads_it(
    large, app, client, demo, make_user, login, session, settings
):
    make_user("xem.tt", "reviewer", "TT", can_unmask=True)
    make_user("duyet.tt2", "reviewer", "TT", can_unmask=True)
    login("xem.tt")
    page = client.get(f"/campaigns/{demo.id}?as_of=31/12/2018")
    response = client.post(
        f"/campaigns/{demo.id}/workbook-unmasked.xlsx?as_of=31/12/2018",
        data={**form_tokens(page.text), "reason": "Kiểm toán hồ sơ phẫu thuật"},
    )
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "workbook.unmasked")).all()
    assert len(events) == 1 and "Kiểm toán hồ sơ" in events[0].after
    worker.run_next(settings)
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200 and "day-du" in download.headers["Content-Disposition"]
    from tests.conftest import DEMO_CHILD

    book = openpyxl.load_workbook(__import__("io").BytesIO(download.data))
    assert any(
        DEMO_CHILD in str(cell)
        for row in book["Phiếu chi"].iter_rows(values_only=True)
        for cell in row
    )
    other = app.test_client()
    page = other.get("/auth/login")
    other.post(
        "/auth/login",
        data={
            "username": "duyet.tt2",
            "password": "correct-horse-battery",
            **form_tokens(page.text),
        },
    )
    assert other.get(f"/jobs/{job_id}/download").status_code == 404


def test_a_second_job_while_one_runs_is_refused_naming_the_running_one(
    large, client, demo, make_user, login, session, db_url
):
    make_user("kiemtoan.tt", "auditor", "TT")
    login("kiemtoan.tt")
    job_id = _start_workbook(client, demo)
    page = client.get("/jobs/")
    refused = client.post("/jobs/check", data=form_tokens(page.text), follow_redirects=True)
    assert "Bạn đang có một công việc nền chưa xong: Bảng đối chiếu" in refused.text
    assert demo.name in refused.text
    session.rollback()
    assert len(session.exec(select(Job)).all()) == 1
    # the rule is the database's too: a second queued row for the same user is refused
    user_id = _job(session, job_id).user_id
    writer = new_session(get_engine(db_url), write=True)
    with pytest.raises(IntegrityError):
        writer.connection().execute(
            insert(table_of(Job)).values(
                kind="check",
                user_id=user_id,
                unit_id=demo.unit_id,
                params="{}",
                title="",
                status="running",
                step="",
                done=0,
                total=0,
                attempts=0,
                claim="",
                worker="",
                created_at=utcnow(),
                result_path="",
                file_name="",
                error="",
            )
        )
    writer.rollback()
    writer.close()
    with pytest.raises(JobAlreadyRunning):
        jobs.start_check_job(session, user_id=user_id, unit_id=demo.unit_id)
    session.rollback()
    # queued far longer than a runner leaves a job: the page says something may be wrong
    assert 'id="waiting-long"' not in client.get(f"/jobs/{job_id}").text
    with get_engine(db_url).begin() as conn:
        conn.execute(
            text("UPDATE job SET created_at = :old WHERE id = :id"),
            {"old": utcnow() - timedelta(minutes=10), "id": job_id},
        )
    assert 'id="waiting-long"' in client.get(f"/jobs/{job_id}").text


def _last_full(page: str) -> str:
    """The jobs page's line on the unit's last full check."""
    return page.split('id="last-full-check"', 1)[1].split("</p>", 1)[0]


def test_the_full_check_runs_in_the_background_and_lists_the_problems(
    client, demo, make_user, login, session, settings, db_url
):
    make_user("kiemtoan.tt", "auditor", "TT")
    make_user("thuquy.cd", "treasurer", "TT-CHUONGDUONG")
    login("kiemtoan.tt")
    page = client.get("/jobs/")
    assert "Kiểm tra toàn bộ sổ sách" in page.text
    assert "chưa được kiểm tra toàn bộ lần nào" in _last_full(page.text)
    started = client.post("/jobs/check", data=form_tokens(page.text))
    job_id = int(started.headers["Location"].rsplit("/", 1)[1])
    worker.run_next(settings)
    job = _job(session, job_id)
    steps = len(check._STEPS) + 1  # each check, and "Xong"
    assert (job.status, job.found, job.done, job.total) == ("done", 0, steps, steps)
    assert "Không có lỗi" in client.get(f"/jobs/{job_id}").text
    # the jobs page says when the unit's books were last checked in full, and what it found
    last = _last_full(client.get("/jobs/").text)
    assert "Lần kiểm tra toàn bộ gần nhất: " in last and "không có lỗi" in last, last
    # a receipt's amount changed behind the application: the next check names it
    with get_engine(db_url).begin() as conn:
        conn.execute(text("UPDATE receipt SET amount = amount + 1 WHERE id = 1"))
    again = client.post("/jobs/check", data=form_tokens(client.get("/jobs/").text))
    second = int(again.headers["Location"].rsplit("/", 1)[1])
    worker.run_next(settings)
    shown = client.get(f"/jobs/{second}").text
    assert _job(session, second).found > 0 and "receipt 1" in shown
    assert f"{_job(session, second).found} lỗi" in _last_full(client.get("/jobs/").text)
    text_file = client.get(f"/jobs/{second}/download")
    assert text_file.status_code == 200 and b"receipt 1" in text_file.data
    assert "kiem-tra-so-sach-" in text_file.headers["Content-Disposition"]
    # a treasurer may not start it
    login("thuquy.cd")
    assert (
        client.post("/jobs/check", data=form_tokens(client.get("/jobs/").text)).status_code == 403
    )


def test_a_job_whose_runner_went_silent_is_restarted_cleanly_or_failed(
    large, client, demo, make_user, login, session, settings, db_url
):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    job_id = _start_workbook(client, demo)
    runner = worker.Runner(settings)
    for attempt in range(1, settings.max_attempts + 1):
        claimed = runner.claim()
        assert claimed is not None and claimed[0] == job_id
        part = settings.folder / f"{job_id}-{claimed[1]}.part"
        settings.folder.mkdir(parents=True, exist_ok=True)
        part.write_bytes(b"half a workbook")
        with get_engine(db_url).begin() as conn:  # the runner was killed: no heartbeat since
            conn.execute(
                text("UPDATE job SET heartbeat_at = :old WHERE id = :id"),
                {"old": utcnow() - timedelta(minutes=10), "id": job_id},
            )
        runner.housekeeping()
        job = _job(session, job_id)
        assert not part.exists(), "the partial file is removed"
        assert job.attempts == attempt
        if attempt < settings.max_attempts:
            assert (job.status, job.claim, job.done) == ("queued", "", 0)
        else:
            assert job.status == "failed"
    page = client.get(f"/jobs/{job_id}").text
    assert "bị gián đoạn 3 lần" in page
    client.get("/?lang=en")
    assert "interrupted 3 times" in client.get(f"/jobs/{job_id}").text
    # a restarted job, run again, finishes normally
    client.get("/?lang=vi")
    second = _start_workbook(client, demo)
    claimed = runner.claim()
    with get_engine(db_url).begin() as conn:
        conn.execute(
            text("UPDATE job SET heartbeat_at = :old WHERE id = :id"),
            {"old": utcnow() - timedelta(minutes=10), "id": second},
        )
    runner.housekeeping()
    assert claimed and worker.run_next(settings) == second
    assert _job(session, second).status == "done"


def test_a_job_child_killed_mid_way_is_restarted_and_then_finishes(
    client, make_user, login, session, settings, monkeypatch
):
    make_user("quantri", "admin", "TT")
    login("quantri")
    started = client.post("/jobs/check", data=form_tokens(client.get("/jobs/").text))
    job_id = int(started.headers["Location"].rsplit("/", 1)[1])
    real = worker.KINDS["check"]

    def dies(engine, params, part, report):
        report("Chuỗi băm và bút toán cân", 1, 12)
        part.write_bytes(b"partial")
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setitem(worker.KINDS, "check", dies)
    runner = worker.Runner(settings)
    runner.tick()  # claims it and forks a child that dies mid-way
    assert len(runner.children) == 1
    pid = next(iter(runner.children))
    deadline = time.monotonic() + 60
    while runner.children and time.monotonic() < deadline:
        time.sleep(0.2)
        runner.collect()
    assert not runner.children, pid
    job = _job(session, job_id)
    assert (job.status, job.attempts) == ("queued", 1)
    assert not list(settings.folder.glob(f"{job_id}-*.part"))
    monkeypatch.setitem(worker.KINDS, "check", real)
    runner.tick()  # a healthy child this time
    deadline = time.monotonic() + 120
    while runner.children and time.monotonic() < deadline:
        time.sleep(0.2)
        runner.collect()
    job = _job(session, job_id)
    assert (job.status, job.attempts, job.found) == ("done", 2, 0)


def test_a_failing_job_shows_its_error(client, make_user, login, session, settings, monkeypatch):
    make_user("quantri", "admin", "TT")
    login("quantri")

    def refused(engine, params, part, report):
        raise CampaignNotFound()

    def broken(engine, params, part, report):
        raise RuntimeError("a bug with secret details")

    for kind_fn, shown in (
        (refused, "Không tìm thấy đợt vận động"),
        (broken, "Lỗi hệ thống khi chạy công việc"),
    ):
        monkeypatch.setitem(worker.KINDS, "check", kind_fn)
        started = client.post("/jobs/check", data=form_tokens(client.get("/jobs/").text))
        job_id = int(started.headers["Location"].rsplit("/", 1)[1])
        worker.run_next(settings)
        assert _job(session, job_id).status == "failed"
        page = client.get(f"/jobs/{job_id}").text
        assert shown in page and "secret details" not in page
        assert shown in client.get("/jobs/").text
        assert client.get(f"/jobs/{job_id}/download").status_code == 404
        assert not list(settings.folder.glob(f"{job_id}*"))


def test_a_cancelled_job_stops_and_writes_nothing(
    large, client, demo, make_user, login, session, settings
):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    job_id = _start_workbook(client, demo)
    claimed = worker.Runner(settings).claim()
    assert claimed is not None
    response = client.post(
        f"/jobs/{job_id}/cancel", data=form_tokens(client.get(f"/jobs/{job_id}").text)
    )
    assert response.status_code == 302
    worker.execute(settings, *claimed)  # its first report finds the job cancelled
    job = _job(session, job_id)
    assert (job.status, job.result_path) == ("cancelled", "")
    assert not list(settings.folder.glob(f"{job_id}*"))
    assert "Đã hủy" in client.get("/jobs/").text
    # the user may start another at once
    assert _start_workbook(client, demo) != job_id


def test_results_are_deleted_after_the_keeping_time(
    large, client, demo, make_user, login, session, settings, db_url
):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    job_id = _start_workbook(client, demo)
    worker.run_next(settings)
    result = settings.folder / _job(session, job_id).result_path
    assert result.is_file()
    with get_engine(db_url).begin() as conn:
        conn.execute(
            text("UPDATE job SET finished_at = :old WHERE id = :id"),
            {"old": utcnow() - timedelta(days=settings.keep_days + 1), "id": job_id},
        )
    worker.Runner(settings).housekeeping()
    assert not result.exists()
    assert client.get(f"/jobs/{job_id}/download").status_code == 404
    assert "Tệp đã được xóa sau thời hạn lưu" in client.get(f"/jobs/{job_id}").text


def test_a_small_workbook_is_still_downloaded_at_once(client, demo, make_user, login):
    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    response = client.get(f"/campaigns/{demo.id}/workbook.xlsx?as_of=31/12/2018")
    assert response.status_code == 200 and response.data[:2] == b"PK"


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_the_runner_process_runs_queued_jobs_survives_its_death_and_stops_on_sigterm(
    app, client, make_user, login, session, db_url, tmp_path
):
    """``flask jobs work`` (what gunicorn starts beside the web server) keeps a runner alive: the
    runner killed, another takes its place and runs the queued job; SIGTERM stops both."""
    make_user("quantri", "admin", "TT")
    login("quantri")
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": db_url,
        "LEDGER_SECRET_KEY": "x" * 32,
        "LEDGER_JOBS_FOLDER": str(tmp_path / "jobs"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "ledger", "jobs", "work"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while not _children(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        [first] = _children(process.pid)
        os.kill(first, signal.SIGKILL)  # the runner dies; its supervisor starts another
        started = client.post("/jobs/check", data=form_tokens(client.get("/jobs/").text))
        job_id = int(started.headers["Location"].rsplit("/", 1)[1])
        while _job(session, job_id).status != "done" and time.monotonic() < deadline:
            time.sleep(0.3)
        assert _job(session, job_id).status == "done"
        assert (tmp_path / "jobs" / f"{job_id}.txt").is_file()
        assert _children(process.pid) and first not in _children(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=60)[0].decode()
    assert process.returncode == 0, output
    assert "starting another" in output and "stopped" in output, output


def test_a_large_import_is_recorded_by_a_background_job(
    app, client, make_user, login, session, settings
):
    """Above IMPORT_DIRECT_BYTES the commit step is a job: the file waits in the jobs folder,
    the job records every row (or none) and says how many; re-running adds nothing."""
    from tests.test_imports import GOOD, HEADER

    app.config["IMPORT_DIRECT_BYTES"] = 10
    make_user("thuquy.tt", "treasurer", "TT")
    login("thuquy.tt")
    rows = [HEADER, GOOD[0], GOOD[2]]
    csv_bytes = "\n".join(";".join(str(c) for c in r) for r in rows).encode()
    page = client.get("/imports/receipts")
    preview = client.post(
        "/imports/receipts",
        data={
            **form_tokens(page.text),
            "file": (__import__("io").BytesIO(csv_bytes), "so-thu.csv"),
        },
        content_type="multipart/form-data",
    )
    token = preview.text.split('name="token" value="')[1].split('"')[0]
    started = client.post(
        "/imports/receipts/commit", data={**form_tokens(preview.text), "token": token}
    )
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"]
    job_id = int(started.headers["Location"].rsplit("/", 1)[1])
    assert (settings.folder / "imports" / token).is_file()
    from sqlalchemy import func

    from ledger.models import Receipt

    def receipts():
        session.rollback()
        return session.exec(select(func.count()).select_from(Receipt)).one()

    assert receipts() == 0
    assert worker.run_next(settings) == job_id
    job = _job(session, job_id)
    assert (job.status, job.found, job.kind) == ("done", 2, "import")
    assert receipts() == 2
    assert not (settings.folder / "imports" / token).exists(), "the file is removed"
    assert "Đã nhập 2 phiếu thu" in client.get(f"/jobs/{job_id}").text
    assert client.get(f"/jobs/{job_id}/download").status_code == 404  # nothing to download


_RECEIPTS = select(func.count()).select_from(Receipt)


def _post_while_reading(reading, seen: list[int], make_receipt, session) -> None:
    """Count the receipts ``reading`` sees, post one from another session and commit it (as
    another treasurer would, mid-export), and count again."""
    seen.append(reading.exec(_RECEIPTS).one())
    make_receipt(unit_code="TT-CHUONGDUONG", amount=100_000, on=date(2018, 6, 1))
    session.commit()
    seen.append(reading.exec(_RECEIPTS).one())


def test_the_workbook_job_reads_one_snapshot_while_receipts_are_posted(
    db_url, demo, make_receipt, session, monkeypatch, tmp_path
):
    """A receipt committed while the job gathers must not reach one sheet and miss another:
    the job's session sees the ledger as of its first read (PostgreSQL's READ COMMITTED saw
    each new commit statement by statement)."""
    from ledger.services import reconciliation

    seen: list[int] = []

    def gathering(reading, **_params):
        _post_while_reading(reading, seen, make_receipt, session)
        with new_session(get_engine(db_url), write=False) as other:
            seen.append(other.exec(_RECEIPTS).one())

    monkeypatch.setattr(reconciliation, "export_workbook", gathering)
    worker._workbook(get_engine(db_url), {"campaign_id": demo.id}, tmp_path / "x.part", None)
    assert seen[0] == seen[1] < seen[2], seen


def test_a_small_workbook_sent_at_once_reads_one_snapshot_too(
    client, demo, make_user, login, make_receipt, session, monkeypatch
):
    """The workbook a page sends while the browser waits reads one snapshot as the job does:
    a receipt committed meanwhile is in none of its sheets rather than in one of them."""
    from ledger.views import reports as views

    make_user("duyet.tt", "reviewer", "TT")
    login("duyet.tt")
    real, seen = views.export_workbook, []

    def gathering(reading, **params):
        _post_while_reading(reading, seen, make_receipt, session)
        return real(reading, **params)

    monkeypatch.setattr(views, "export_workbook", gathering)
    response = client.get(f"/campaigns/{demo.id}/workbook.xlsx?as_of=31/12/2018")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert seen[0] == seen[1], seen
