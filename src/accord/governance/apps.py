from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "accord.governance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The audit trail listens to changes of the catalogue and the agreements.
        from accord.governance import audit

        audit.connect()
