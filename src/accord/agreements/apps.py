from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "accord.agreements"
    default_auto_field = "django.db.models.BigAutoField"
