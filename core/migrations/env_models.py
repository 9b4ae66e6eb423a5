"""The modules whose tables the migrations manage (imported by env.py and the migration tests)."""

MODEL_MODULES = (
    "core.models",
    "core.signin",
    "core.district.models",
    "core.audit_log",
    "core.evidence_chain",
    "core.audit_chain",
    "nlp.models",
    "alerts.models",
    "alerts.config_models",
    "alerts.notify.models",
    "alerts.statements.models",
    "alerts.responses.models",
    "alerts.disclosure.models",
    "alerts.scoring.models",
    "web.models",
)
