from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "accord.evaluation"
    default_auto_field = "django.db.models.BigAutoField"
