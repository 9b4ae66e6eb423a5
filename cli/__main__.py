"""``python -m cli``: the ``muqing`` command."""

from cli.commands import app

app()
