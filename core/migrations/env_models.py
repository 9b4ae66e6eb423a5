"""The modules whose tables the migrations manage (imported by env.py and the migration tests)."""

MODEL_MODULES = (
    "core.models",
    "core.signin",
    "nlp.models",
    "alerts.models",
    "alerts.config_models",
    "alerts.notify.models",
    "alerts.disclosure.models",
    "alerts.scoring.models",
    "web.models",
)
