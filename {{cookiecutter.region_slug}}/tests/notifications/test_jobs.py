"""The job queue (eoffice/jobs.py) and the due-date scans it runs: warnings on the right
working days, once each, also when a scan dies midway and is run again."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from eoffice import events, jobs
from eoffice.extensions import db
from tests.notifications.test_centre import notifications_of

MONDAY = dt.date(2026, 12, 7)
FRIDAY = dt.date(2026, 12, 4)


@pytest.fixture
def disposed(office, register, monkeypatch):
    """A letter disposed by the Kepala Dinas to both Kabid, due on ``due``."""
    from eoffice.dispositions.models import Disposition
    from eoffice.dispositions.services import DispositionInput, dispose

    def _disposed(due: dt.date, **letter):
        letter = register(office, **letter)
        disposition = dispose(letter, DispositionInput(
            to_positions=[office.kabid_a.id, office.kabid_b.id], instruction_ids=[],
            note="Tindak lanjuti"), actor=office.users["kadis"])
        db.session.flush()
        db.session.execute(sa.update(Disposition).where(Disposition.id == disposition.id)
                           .values(due_date=due))  # any date, past ones too
        db.session.commit()
        return disposition

    return _disposed


def warnings(user) -> list[str]:
    return [n.event for n in notifications_of(user)
            if n.event in ("disposition_due_soon", "disposition_overdue")]


def scan(day: dt.date):
    """Run the scan through the queue, as the worker does (immediate mode in tests)."""
    jobs.queue_of().tasks["dispositions.due_scan"](day)


def test_due_soon_on_the_working_days_before(app, office, disposed, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFY_DUE_SOON_DAYS", 2)
    monkeypatch.setitem(app.config, "HOLIDAYS", ["2026-12-08"])  # a Tuesday holiday
    kabid_a = office.users["kabid_a"]
    disposed(dt.date(2026, 12, 9))  # Wednesday
    scan(dt.date(2026, 12, 3))  # Thursday: Wednesday is 3 working days away (Tue is off)
    assert warnings(kabid_a) == []
    scan(dt.date(2026, 12, 5))  # Saturday: nobody is warned at the weekend
    assert warnings(kabid_a) == []
    scan(FRIDAY)  # Friday: Monday, (Tuesday off), Wednesday: within 2 working days
    assert warnings(kabid_a) == ["disposition_due_soon"]
    assert warnings(office.users["kabid_b"]) == ["disposition_due_soon"]
    scan(FRIDAY)
    scan(MONDAY)  # told once per due date
    assert warnings(kabid_a) == ["disposition_due_soon"]
    assert warnings(office.users["kadis"]) == []  # the sender is not warned


def test_overdue_on_the_first_working_day_after(app, office, disposed):
    kabid_a = office.users["kabid_a"]
    disposed(FRIDAY)
    scan(FRIDAY)  # due today: due soon, not overdue
    assert warnings(kabid_a) == ["disposition_due_soon"]
    scan(dt.date(2026, 12, 6))  # Sunday
    assert warnings(kabid_a) == ["disposition_due_soon"]
    scan(MONDAY)
    scan(MONDAY)
    assert warnings(kabid_a) == ["disposition_due_soon", "disposition_overdue"]
    from eoffice.notifications.services import describe

    assert "overdue" in describe(notifications_of(kabid_a)[-1])


def test_done_and_cancelled_dispositions_are_not_warned(app, office, disposed):
    from eoffice.dispositions.services import report

    disposition = disposed(MONDAY)
    report(disposition.recipients[0], "Selesai", None, True, actor=office.users["kabid_a"])
    db.session.commit()
    scan(MONDAY)
    assert warnings(office.users["kabid_a"]) == []
    assert warnings(office.users["kabid_b"]) == ["disposition_due_soon"]


def test_a_later_due_date_is_warned_again(app, office, disposed):
    from eoffice.dispositions.models import Disposition

    disposition = disposed(MONDAY)
    scan(MONDAY)
    db.session.execute(sa.update(Disposition).where(Disposition.id == disposition.id)
                       .values(due_date=dt.date(2026, 12, 9)))
    db.session.commit()
    scan(dt.date(2026, 12, 8))
    assert warnings(office.users["kabid_a"]) == ["disposition_due_soon"] * 2


def test_restricted_letters_are_warned_without_subject(app, office, disposed):
    from eoffice.notifications.services import describe

    disposed(MONDAY, security="SR", subject="Penyelidikan internal")
    scan(MONDAY)
    [warned] = [n for n in notifications_of(office.users["kabid_a"])
                if n.event == "disposition_due_soon"]
    assert warned.restricted and warned.data == {}
    assert "Penyelidikan" not in describe(warned)


def test_a_scan_killed_midway_and_run_again_warns_each_once(app, office, disposed,
                                                           monkeypatch):
    """The first run dies after its first warning (a crash, the worker killed); the queue
    tries the job again: every recipient is warned exactly once."""
    disposed(MONDAY)
    real_emit, calls = events.emit, {"n": 0}

    def dying_emit(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real_emit(*args, **kwargs)

    monkeypatch.setattr(events, "emit", dying_emit)
    before = jobs.health().failures
    scan(MONDAY)  # dies at the second recipient, retried at once (immediate mode)
    assert calls["n"] == 3  # first run: 1 told + 1 crash; the retry: only the one left
    assert warnings(office.users["kabid_a"]) == ["disposition_due_soon"]
    assert warnings(office.users["kabid_b"]) == ["disposition_due_soon"]
    health = jobs.health()
    assert health.failures == before + 1
    assert health.last_error["job"] == "dispositions.due_scan"
    assert "worker killed" in health.last_error["error"]
    assert health.last_runs["dispositions.due_scan"] is not None


def test_queue_backends(app, tmp_path):
    from huey import SqliteHuey

    from eoffice import create_app

    config = {**{k: app.config[k] for k in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI")},
              "TESTING": True, "INSTANCE_PATH": str(tmp_path)}
    default = create_app(config)
    queue = jobs.queue_of(default)
    assert isinstance(queue.huey, SqliteHuey) and queue.backend == "sqlite"
    assert (tmp_path / "jobs.db").exists()
    health = jobs.health(default)
    assert (health.pending, health.failures, health.ok) == (0, 0, True)
    assert health.last_runs == {"dispositions.due_scan": None,
                                "notifications.daily_digest": None,
                                "notifications.email_sweep": None,
                                "notifications.whatsapp_sweep": None}
    with pytest.raises(RuntimeError, match="EOFFICE_REDIS_URL"):
        create_app({**config, "JOBS_BACKEND": "redis"})
    from huey import RedisHuey

    redis = create_app({**config, "JOBS_BACKEND": "redis",
                        "JOBS_REDIS_URL": "redis://127.0.0.1:1/0"})  # nothing listens there
    assert isinstance(jobs.queue_of(redis).huey, RedisHuey)
    down = jobs.health(redis)  # the doctor reports an unreachable queue, it does not crash
    assert not down.ok and "Connection" in down.error
    from eoffice.config import ConfigError

    with pytest.raises(ConfigError, match="JOBS_BACKEND"):
        create_app({**config, "JOBS_BACKEND": "celery"})


def sqlite_queue_app(app, tmp_path):
    from eoffice import create_app

    return create_app({**{k: app.config[k] for k in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI")},
                       "TESTING": True, "INSTANCE_PATH": str(tmp_path)})


def test_the_sqlite_queue_keeps_jobs_for_the_worker(app, tmp_path, monkeypatch):
    """Queued in one process, run by the worker: the job waits in instance/jobs.db."""
    other = sqlite_queue_app(app, tmp_path)
    queue = jobs.queue_of(other)
    with other.app_context():
        queue.tasks["dispositions.due_scan"](dt.date(2026, 12, 5))  # a Saturday: no query
    assert jobs.health(other).pending == 1
    huey = queue.huey
    huey.execute(huey.dequeue())  # what the consumer does
    health = jobs.health(other)
    assert health.pending == 0 and health.failures == 0
    assert health.last_runs["dispositions.due_scan"] is not None
    # the doctor shows it
    monkeypatch.setitem(app.extensions, "eoffice_jobs", queue)
    output = app.test_cli_runner().invoke(args=["eoffice", "doctor"]).output
    assert "Job queue (sqlite): 0 waiting, 0 scheduled for a retry, 0 failures so far." in output
    assert "Periodic job dispositions.due_scan: last run " in output


def test_doctor_warns_when_no_worker_ever_ran(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.extensions, "eoffice_jobs", jobs.queue_of(
        sqlite_queue_app(app, tmp_path)))
    output = app.test_cli_runner().invoke(args=["eoffice", "doctor"]).output
    assert "WARNING: periodic job dispositions.due_scan has never run" in output


def test_worker_command(app):
    runner = app.test_cli_runner()
    assert "--workers" in runner.invoke(args=["eoffice", "worker", "--help"]).output
    result = runner.invoke(args=["eoffice", "worker"])  # the tests' queue is immediate
    assert result.exit_code == 0 and "immediate mode" in result.output
    assert runner.invoke(args=["eoffice", "worker", "--workers", "0"]).exit_code == 2
