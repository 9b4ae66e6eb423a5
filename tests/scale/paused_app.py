"""The job app with one addition for the crash test: the first analysis stops inside its transaction.

Started as ``celery -A tests.scale.paused_app:celery_app worker``. When the file named by
``MUQING_TEST_PAUSE_REQUEST`` exists, the next flush that writes an analysis removes it, creates
``<that file>.paused`` and sleeps, with the analysis written but not committed, until the test kills the worker.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from core.models import Analysis
from core.tasks import celery_app

__all__ = ["celery_app"]

REQUEST = Path(os.environ["MUQING_TEST_PAUSE_REQUEST"])


@event.listens_for(Session, "after_flush")
def _pause_inside_the_first_analysis(session: Session, flush_context: UOWTransaction) -> None:
    if any(isinstance(obj, Analysis) for obj in session.new) and REQUEST.exists():
        REQUEST.unlink()
        REQUEST.with_name(REQUEST.name + ".paused").touch()
        time.sleep(600)
