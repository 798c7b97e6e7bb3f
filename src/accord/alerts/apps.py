from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "accord.alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Job handlers register themselves on import; the worker finds them by kind.
        from accord.alerts import hooks, jobs  # noqa: F401

        hooks.connect()
