from django.apps import AppConfig


class ManifestsConfig(AppConfig):
    name = "accord.manifests"
    default_auto_field = "django.db.models.BigAutoField"
