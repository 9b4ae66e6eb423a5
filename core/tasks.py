"""The Celery app. Embedded mode uses a file-system queue in the data directory; scale-out uses Redis."""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, signals

from core.config import Settings, get_settings
from core.db import dispose_engines

log = logging.getLogger(__name__)

TASK_MODULES = ["core.jobs", "crawlers.tasks", "nlp.tasks", "alerts.tasks"]

celery_app = Celery("muqing")


def configure_celery(settings: Settings | None = None) -> Celery:
    """(Re)configure the Celery app from settings; called at import and whenever tests change settings."""
    settings = settings or get_settings()
    conf: dict[str, Any] = {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "task_always_eager": settings.tasks_eager,
        "task_eager_propagates": True,
        "timezone": "UTC",
        "enable_utc": True,
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
        "include": TASK_MODULES,
        "beat_schedule": {
            "relay-outbox": {"task": "core.relay_outbox", "schedule": 5.0},
            "crawl-due-sources": {"task": "crawlers.crawl_due_sources", "schedule": 60.0},
            "alerts-sweep": {"task": "alerts.sweep", "schedule": settings.sweep_interval_seconds},
        },
    }
    if settings.broker_url:
        conf["broker_url"] = settings.broker_url
        conf["broker_transport_options"] = {"visibility_timeout": 3600}
    else:
        queue_dir = settings.resolved_data_dir / "queue"
        (queue_dir / "processed").mkdir(parents=True, exist_ok=True)
        conf["broker_url"] = "filesystem://"
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
    return celery_app


def enqueue(name: str, *, retry: bool = True, **kwargs: Any) -> None:
    """Send the task ``name`` with keyword arguments (runs inline when tasks are eager)."""
    celery_app.loader.import_default_modules()
    task = celery_app.tasks.get(name)
    if task is None:
        celery_app.send_task(name, kwargs=kwargs, retry=retry)
    else:
        task.apply_async(kwargs=kwargs, retry=retry)


@signals.worker_process_init.connect
def _fresh_connections_after_fork(**_: Any) -> None:
    # A forked worker must never reuse the parent's database sockets.
    dispose_engines()


configure_celery()
