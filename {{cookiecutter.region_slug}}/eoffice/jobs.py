"""Background jobs: a Huey queue with an embedded default.

Work that need not happen inside a request (notification e-mail, the due-date scans)
runs in a worker process, ``flask eoffice worker`` (deploy/eoffice-worker.service).
The queue is Huey's, kept where ``[jobs] backend`` says:

- ``sqlite`` (the default): a SQLite file in instance/ (``jobs.db``), so one machine
  needs no extra service;
- ``redis``: a Redis server (``EOFFICE_REDIS_URL``), for two or more app servers, whose
  workers then share one queue;
- ``immediate``: every job runs at once in the process that queued it (tests, and a
  machine without a worker: nothing waits, nothing is left over).

Jobs are registered here by name (``JOBS``); code queues one with ``enqueue(name,
*args)``, after its transaction has committed (domain-event subscribers are called
then). Every job is **idempotent**: its effect is recorded in the database in the
transaction that makes it (``events.emit_once``, a notification's ``emailed_at``), so
a job run twice, retried after a failure, or run again after its worker was killed
midway has its effect once. Huey loses a job whose worker is killed while it runs;
the periodic jobs (the scans, the e-mail sweep) find what such a job left undone.

Each job runs in an app context of its own, with its own database session. The queue's
health (backlog, scheduled retries, failures, last run of each periodic job) is kept in
the queue's own storage and shown by ``flask eoffice doctor`` (``health``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext
from huey import MemoryHuey, SqliteHuey, crontab
from huey import signals as huey_signals

log = logging.getLogger(__name__)

BACKENDS = ("sqlite", "redis", "immediate")
_FAILURES = "eoffice:failures"
_LAST_ERROR = "eoffice:last_error"
_LAST_RUN = "eoffice:last_run:"


@dataclass(frozen=True)
class Job:
    """A kind of job: ``function`` (a dotted path, imported when the job runs) and, for a
    periodic job, ``schedule`` (a huey ``crontab``, in UTC)."""

    name: str
    function: str
    schedule: Callable[[dt.datetime], bool] | None = None
    doc: str = ""


JOBS: tuple[Job, ...] = (
    Job("notifications.send_email", "eoffice.notifications.mail:send_notification_email",
        doc="E-mail one notification to its user (claimed, then sent once)."),
    Job("notifications.email_sweep", "eoffice.notifications.mail:sweep",
        crontab(minute="*/10"),
        doc="Queue again the e-mail of notifications whose job was lost, or waited for "
            "the end of quiet hours."),
    Job("notifications.send_whatsapp", "eoffice.notifications.whatsapp:send",
        doc="Send one notification to the WhatsApp gateway (claimed, then sent once)."),
    Job("notifications.whatsapp_sweep", "eoffice.notifications.whatsapp:sweep",
        crontab(minute="*/10"),
        doc="Queue again WhatsApp deliveries whose job was lost, or waited for the end of "
            "quiet hours."),
    Job("notifications.daily_digest", "eoffice.notifications.digest:send_digests",
        crontab(minute="0"),
        doc="At [notifications] digest_hour, e-mail each user who asked for it what is "
            "still unread (once a day)."),
    Job("dispositions.due_scan", "eoffice.notifications.scans:scan_due_dates",
        crontab(minute="5"),
        doc="Warn of dispositions due soon and overdue (working days, once each)."),
)


@dataclass
class Queue:
    """The app's queue: the Huey instance and its tasks by job name."""

    huey: Any
    tasks: dict[str, Any] = field(default_factory=dict)
    backend: str = "sqlite"


def init_app(app: Flask) -> Queue:
    huey = build_huey(app)
    queue = Queue(huey, backend=app.config["JOBS_BACKEND"])
    for job in JOBS:
        queue.tasks[job.name] = _register(app, huey, job)
    _watch(huey)
    app.extensions["eoffice_jobs"] = queue
    return queue


def build_huey(app: Flask):
    backend = app.config["JOBS_BACKEND"]
    name = f"eoffice-{app.config['REGION_SLUG']}"
    if backend == "immediate":
        return MemoryHuey(name, immediate=True, results=False, utc=True)
    if backend == "redis":
        import importlib.util

        from huey import RedisHuey

        if importlib.util.find_spec("redis") is None:  # the [redis] extra, not a dependency
            raise RuntimeError("[jobs] backend = \"redis\" needs the redis package: "
                               "pip install -c requirements.lock -e '.[redis]'")
        url = app.config["JOBS_REDIS_URL"]
        if not url:
            raise RuntimeError("[jobs] backend = \"redis\" needs EOFFICE_REDIS_URL "
                               "(redis://host:6379/0)")
        return RedisHuey(name, url=url, results=False, utc=True)
    path = Path(app.instance_path) / app.config["JOBS_SQLITE_FILE"]
    return SqliteHuey(name, filename=str(path), results=False, utc=True)


def _register(app: Flask, huey, job: Job):
    def run(*args, **kwargs):
        function = _resolve(job.function)
        if has_app_context() and current_app._get_current_object() is app:
            # Immediate mode, inside a request or a test: a failure must not leave the
            # caller's session half-written.
            from eoffice.extensions import db

            try:
                return function(*args, **kwargs)
            except Exception:
                db.session.rollback()
                raise
        with app.app_context():
            from eoffice.extensions import db

            try:
                return function(*args, **kwargs)
            finally:
                db.session.remove()

    run.__name__ = job.name.replace(".", "_")
    run.__doc__ = job.doc
    retry = {"retries": app.config["JOBS_RETRIES"],
             "retry_delay": app.config["JOBS_RETRY_DELAY_SECONDS"], "name": job.name}
    if job.schedule is not None:
        return huey.periodic_task(job.schedule, **retry)(run)
    return huey.task(**retry)(run)


def _resolve(dotted: str) -> Callable:
    import importlib

    module, _, attribute = dotted.partition(":")
    return getattr(importlib.import_module(module), attribute)


def queue_of(app: Flask | None = None) -> Queue:
    return (app or current_app).extensions["eoffice_jobs"]


def enqueue(name: str, *args, **kwargs) -> None:
    """Queue the job ``name`` (in immediate mode: run it now). Call it after the commit
    of what the job reads. A queue that cannot be reached is logged, not raised: the
    periodic jobs pick up what is left undone."""
    queue = queue_of()
    try:
        queue.tasks[name](*args, **kwargs)
    except Exception:  # noqa: BLE001 - the change is committed; the sweep catches up
        log.exception("could not queue job %s", name)


# --- Health ----------------------------------------------------------------------------

def _watch(huey) -> None:
    """Record failures and the last run of periodic jobs in the queue's own storage."""

    @huey.signal(huey_signals.SIGNAL_ERROR)
    def _failed(signal, task, exc=None):
        try:
            count = huey.get(_FAILURES, peek=True) or 0
            huey.put(_FAILURES, count + 1)
            huey.put(_LAST_ERROR, {"job": task.name, "at": _now(),
                                   "error": f"{type(exc).__name__}: {exc}"[:300]})
        except Exception:  # noqa: BLE001 - health notes must never break a job
            log.exception("could not record a job failure")

    @huey.signal(huey_signals.SIGNAL_COMPLETE)
    def _completed(signal, task, *args):
        if task.name in _periodic_names():
            try:
                huey.put(_LAST_RUN + task.name, _now())
            except Exception:  # noqa: BLE001
                log.exception("could not record a periodic job's run")


def _periodic_names() -> set[str]:
    return {job.name for job in JOBS if job.schedule is not None}


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


@dataclass
class Health:
    backend: str
    pending: int
    scheduled: int
    failures: int
    last_error: dict | None
    last_runs: dict[str, str | None]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def health(app: Flask | None = None) -> Health:
    """What ``flask eoffice doctor`` shows of the queue."""
    queue = queue_of(app)
    huey = queue.huey
    periodic = sorted(_periodic_names())
    try:
        return Health(
            backend=queue.backend, pending=huey.pending_count(),
            scheduled=huey.scheduled_count(), failures=huey.get(_FAILURES, peek=True) or 0,
            last_error=huey.get(_LAST_ERROR, peek=True),
            last_runs={name: huey.get(_LAST_RUN + name, peek=True) for name in periodic})
    except Exception as exc:  # noqa: BLE001 - reported to the operator, not raised
        return Health(queue.backend, 0, 0, 0, None, dict.fromkeys(periodic),
                      error=f"{type(exc).__name__}: {str(exc)[:200]}")


def run_worker(workers: int = 2) -> None:
    """Run the consumer in this process until it is stopped (SIGTERM or Ctrl+C)."""
    huey = queue_of().huey
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                    check_worker_health=True)
    consumer.run()


@click.command("worker")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 32),
              help="Jobs run at the same time (threads).")
@with_appcontext
def worker_command(workers: int) -> None:
    """Run the background job worker (notification e-mail, due-date scans) until stopped."""
    from flask_babel import gettext as _

    queue = queue_of()
    if queue.backend == "immediate":
        click.echo(_("The job queue is in immediate mode ([jobs] backend): jobs run where "
                     "they are queued, there is nothing for a worker to do."))
        return
    click.echo(_("Job worker: %(backend)s queue, %(workers)s workers.",
                 backend=queue.backend, workers=workers))
    # Each job started, finished or failed, one line in the journal (huey logs them).
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_worker(workers)
