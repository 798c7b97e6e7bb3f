from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "accord.evaluation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from accord.evaluation import handlers  # noqa: F401  (registers the job kinds)
        from accord.evaluation.archive import forget_deleted_ticket

        post_delete.connect(
            forget_deleted_ticket,
            sender="measurements.Ticket",
            dispatch_uid="accord-archive-forget-ticket",
        )
