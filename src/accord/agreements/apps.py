from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "accord.agreements"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accord.agreements import jobs  # noqa: F401  (registers the lifecycle job)
