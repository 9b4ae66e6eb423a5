"""The composition root's lists: which domain modules hold jobs, search plugins and tables.

core names no domain; these lists are installed into it (``core.wiring``) by ``wire()``, which every entry
point calls first: the ``muqing`` command, the web application, a job worker, the test suite.
"""

from __future__ import annotations

from core.config import Settings
from core.wiring import Modules, Scheduled

TASK_MODULES = ("core.jobs", "crawlers.tasks", "nlp.tasks", "alerts.tasks")
SEARCH_PLUGINS = ("nlp.search", "alerts.cases.search")
MODEL_MODULES = (
    "core.models",
    "core.signin",
    "core.websessions",
    "core.district.models",
    "core.audit_log",
    "core.evidence_chain",
    "core.audit_chain",
    "nlp.models",
    "alerts.cases.models",
    # Its session listeners log deadline changes; loaded with the tables, so no relay after a commit imports it
    # (a listener added while SQLAlchemy runs that event's listeners fails the commit).
    "alerts.cases.deadline_log",
    "alerts.routing.models",
    "alerts.roster.models",
    "alerts.config_models",
    "alerts.sla.models",
    "alerts.notify.models",
    "alerts.statements.models",
    "alerts.responses.models",
    "alerts.disclosure.models",
    "alerts.scoring.models",
)
# Glob patterns over task names → queue; anything else goes to "default" (analyse, raise alert, outbox).
TASK_ROUTES = {
    "crawlers.*": "crawl",
    "alerts.deliver*": "notify",
    "alerts.notify*": "notify",
    "nlp.retrain*": "maintenance",
    "nlp.train*": "maintenance",
}


def _sweep_interval(settings: Settings) -> float:
    return float(settings.sweep_interval_seconds)


SCHEDULE = {
    "crawl-due-sources": Scheduled("crawlers.crawl_due_sources", 60.0),
    "alerts-sweep": Scheduled("alerts.sweep", _sweep_interval),
    # Retrains only when staff corrections arrived since the last retraining (a no-op otherwise).
    "retrain-from-feedback": Scheduled("nlp.retrain", 6 * 3600.0, housekeeping=False),
}


def wire() -> None:
    """Install the lists into core (idempotent); child processes find them through ``MUQING_COMPOSITION``."""
    from core.wiring import install

    install(
        Modules(
            tasks=TASK_MODULES,
            search_plugins=SEARCH_PLUGINS,
            models=MODEL_MODULES,
            task_routes=TASK_ROUTES,
            schedule=SCHEDULE,
        ),
        root=__name__,
    )
