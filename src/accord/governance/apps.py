from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "accord.governance"
    default_auto_field = "django.db.models.BigAutoField"
