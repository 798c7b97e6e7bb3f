from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "accord.evaluation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accord.evaluation import handlers  # noqa: F401  (registers the job kinds)
