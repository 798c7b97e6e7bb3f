from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MeasurementsConfig(AppConfig):
    name = "accord.measurements"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Job handlers register themselves on import; the worker finds them by kind.
        from accord.measurements import prometheus  # noqa: F401

        post_migrate.connect(_restore_set_aside, sender=self)


def _restore_set_aside(using: str, **_: Any) -> None:
    """`migrate` also puts back what an import killed midway left set aside (indexes,
    a foreign key), as the next import would (importers/set_aside.py)."""
    from django.db import connections

    from accord.measurements.importers.set_aside import restore_all
    from accord.measurements.models import Ticket, TicketHistory

    tables = set(connections[using].introspection.table_names())
    if using == "default" and {Ticket._meta.db_table, TicketHistory._meta.db_table} <= tables:
        restore_all()
