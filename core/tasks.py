"""The Celery app. Embedded mode uses a file-system queue in the data directory; scale-out uses Redis.

Reliability, in layers:
- late acknowledgement and ``reject_on_worker_lost``: a job whose worker dies mid-way is delivered again;
- every job's database work is one transaction and every job is idempotent, so a second delivery of a job
  that died mid-way, or of one that had finished, changes nothing anyone can see;
- transient failures (the database restarting, the search engine down) are retried with back-off, forever;
- the outbox (core/outbox.py) sends a job again when it was sent but never completed within a lease, which
  covers what the queue itself can lose (a Redis restart without persistence, a killed embedded worker).

Jobs are routed by name to four queues; ``muqing worker --queues`` picks which ones a worker serves.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery, Task, signals
from kombu import Exchange, Queue
from sqlalchemy.exc import InterfaceError
from sqlalchemy.exc import OperationalError as DatabaseOperationalError

from core import fsqueue
from core.config import Settings, get_settings, redact_url
from core.db import dispose_engines
from core.errors import ServiceUnavailable

log = logging.getLogger(__name__)

QUEUES = ("default", "crawl", "notify", "maintenance")
# Glob patterns over task names; anything else goes to "default" (analyse, raise alert, outbox, search sync).
# The domains' routes come from the composition root (core.wiring).
CORE_ROUTES: dict[str, str] = {"core.reindex_search": "maintenance"}

# Housekeeping runs often; a run that waited longer than this in a backed-up queue is dropped, not piled up.
HOUSEKEEPING_EXPIRES = 60.0

# The outbox event a job was sent for travels in this message header, so its completion can be recorded.
OUTBOX_HEADER = "muqing_outbox_id"

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (DatabaseOperationalError, InterfaceError, ServiceUnavailable)


class MuqingTask(Task):
    """Base of every job: transient failures are retried with exponential back-off (capped at a minute)."""

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 2
    retry_backoff_max = 60
    retry_jitter = True
    max_retries = None

    def retry(self, *args: Any, **kwargs: Any) -> Any:
        """Retry later; inline (eager) runs have no later, so they raise the error at once."""
        exc = kwargs.get("exc")
        if self.request.is_eager and isinstance(exc, BaseException):
            raise exc
        return super().retry(*args, **kwargs)


celery_app = Celery("muqing", task_cls=MuqingTask)
# The modules holding jobs: core's own, then the domains' as the composition root installs them (core.wiring).
_task_modules: list[str] = ["core.jobs"]


def use_task_modules(modules: tuple[str, ...]) -> None:
    """Make ``modules`` (with core's own jobs) the ones every worker and sender imports, with their routes."""
    _task_modules[:] = ["core.jobs", *(module for module in modules if module != "core.jobs")]
    # Celery remembers the module list once computed; a list installed later must replace it.
    celery_app.loader.__dict__.pop("default_modules", None)
    configure_celery()


@signals.import_modules.connect
def _wire_before_import(**_: Any) -> None:
    # A worker started as `celery -A core.tasks:celery_app` by a wired process finds the domains' jobs too.
    from core.wiring import installed

    installed(required=False)


def configure_celery(settings: Settings | None = None) -> Celery:
    """(Re)configure the Celery app from settings; called at import and whenever tests change settings."""
    from core.wiring import Scheduled, installed

    settings = settings or get_settings()
    housekeeping = {"expires": HOUSEKEEPING_EXPIRES}
    domains = installed(required=False)
    routes = {**CORE_ROUTES, **(domains.task_routes if domains else {})}
    schedule = {
        "relay-outbox": Scheduled("core.relay_outbox", 5.0),
        "sync-search": Scheduled("core.sync_search", 5.0),
        **(domains.schedule if domains else {}),
    }
    conf: dict[str, Any] = {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "task_always_eager": settings.tasks_eager,
        "task_eager_propagates": True,
        # Each queue its own routing key: queues sharing one key would each receive every job sent to it.
        "task_queues": [Queue(name, Exchange(name, type="direct"), routing_key=name) for name in QUEUES],
        "task_default_queue": "default",
        "task_default_exchange": "default",
        "task_default_routing_key": "default",
        "task_routes": {pattern: {"queue": queue} for pattern, queue in routes.items()},
        "timezone": "UTC",
        "enable_utc": True,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        "worker_hijack_root_logger": False,
        "include": list(_task_modules),
        "beat_schedule": {
            name: {
                "task": job.task,
                "schedule": job.every(settings) if callable(job.every) else job.every,
                **({"options": housekeeping} if job.housekeeping else {}),
            }
            for name, job in schedule.items()
        },
    }
    if settings.broker_url:
        conf["broker_url"] = settings.broker_url
        options: dict[str, Any] = {
            "visibility_timeout": settings.broker_visibility_timeout,
            # Senders fail fast when Redis is down: the outbox keeps the work and the next relay sends it.
            # (Workers reconnect on their own schedule, broker_connection_max_retries.)
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
            # How soon a job held by a worker that died is handed out again: after the visibility timeout,
            # checked every tenth of it (Redis's default sweep is every 100 s).
            "unacked_restore_interval": max(1, min(10, settings.broker_visibility_timeout // 10)),
            "unacked_restore_throttle": 1,
        }
        if settings.broker_key_prefix:
            options["global_keyprefix"] = settings.broker_key_prefix
        conf["broker_transport_options"] = options
    else:
        queue_dir = settings.resolved_data_dir / "queue"
        (queue_dir / "processed").mkdir(parents=True, exist_ok=True)
        conf["broker_url"] = f"{fsqueue.SCHEME}://"
        conf["broker_transport_options"] = {
            "data_folder_in": str(queue_dir),
            "data_folder_out": str(queue_dir),
            "processed_folder": str(queue_dir / "processed"),
            "control_folder": str(queue_dir / "control"),
            "store_processed": False,
            "polling_interval": 0.05,
        }
        conf["beat_schedule_filename"] = str(settings.resolved_data_dir / "beat-schedule")
    celery_app.conf.update(conf)
    _forget_connections()
    return celery_app


def _forget_connections() -> None:
    # The app keeps its producer pool once made; a new broker setting must not reuse it. (kombu keeps
    # one connection pool per broker URL, so switching back finds the earlier one again.)
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
        # Routes are compiled once too; installed domain routes must replace them.
        amqp._rtable = None
        amqp.__dict__.pop("router", None)


def broker_label(settings: Settings | None = None) -> str:
    """The job queue named for people: "Redis (host:port)" or the embedded file queue."""
    settings = settings or get_settings()
    if not settings.broker_url:
        return "内置文件队列"
    return f"Redis（{redact_url(settings.broker_url)}）"


def enqueue(name: str, *, retry: bool = True, outbox_event_id: int | None = None, **kwargs: Any) -> None:
    """Send the task ``name`` with keyword arguments (runs inline when tasks are eager)."""
    from core.wiring import modules

    modules()  # an unwired process would send jobs nobody here can run inline
    celery_app.loader.import_default_modules()
    headers = {OUTBOX_HEADER: outbox_event_id} if outbox_event_id is not None else None
    task = celery_app.tasks.get(name)
    if task is None:
        celery_app.send_task(name, kwargs=kwargs, retry=retry, headers=headers)
    else:
        task.apply_async(kwargs=kwargs, retry=retry, headers=headers)


def outbox_event_of(request: Any) -> int | None:
    """The outbox event a running job was sent for, if any."""
    value = getattr(request, OUTBOX_HEADER, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(OUTBOX_HEADER)
    return int(value) if value is not None else None


_job = threading.local()


def completed_in_job() -> set[int]:
    """Outbox events the running job has already marked completed in its own transaction."""
    events: set[int] | None = getattr(_job, "completed", None)
    if events is None:
        events = _job.completed = set()
    return events


@signals.task_prerun.connect
def _job_starts(**_: Any) -> None:
    completed_in_job().clear()


@signals.task_success.connect
def _outbox_event_done(sender: Task | None = None, **_: Any) -> None:
    event_id = outbox_event_of(sender.request) if sender is not None else None
    if event_id is not None and event_id not in completed_in_job():
        from core.outbox import mark_completed

        mark_completed(event_id)


@signals.task_failure.connect
def _outbox_event_failed(sender: Task | None = None, exception: BaseException | None = None, **_: Any) -> None:
    event_id = outbox_event_of(sender.request) if sender is not None else None
    if event_id is not None:
        from core.outbox import mark_failed

        mark_failed(event_id, error=f"{type(exception).__name__}: {exception}")


@signals.worker_process_init.connect
def _fresh_connections_after_fork(**_: Any) -> None:
    # A forked worker must never reuse the parent's database or search-engine sockets.
    dispose_engines()
    from core.search.service import forget_backends

    forget_backends()


def _configure_at_import() -> None:
    # The composition root may have installed its modules before this module was first imported.
    from core.wiring import installed

    domains = installed(required=False)
    if domains is not None:
        use_task_modules(domains.tasks)
    else:
        configure_celery()


_configure_at_import()
