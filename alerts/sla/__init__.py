"""The SLA room: where the time limits live and how a deadline is computed.

``models.py`` (policies, holiday years), ``schemas.py`` (their inputs and outputs, explanations),
``service.py`` (the policies' one writer; policy lookup and the working-day calendar with the admin's years),
``calendar.py`` (working days, limits and deadline computation, no database), ``statutory.py`` and
``notice.py`` (the provisional calendar and the State Council's notice), ``holidays.py`` (holiday years:
entering, importing a notice, explaining a deadline), ``deadlines.py`` (a case's deadlines: computed,
stopped, extended, recomputed) and ``external_due.py`` (an outside deadline beside ours).
"""
