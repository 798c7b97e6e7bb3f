from django.apps import AppConfig


class MeasurementsConfig(AppConfig):
    name = "accord.measurements"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Job handlers register themselves on import; the worker finds them by kind.
        from accord.measurements import prometheus  # noqa: F401
