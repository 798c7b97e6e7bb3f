from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "accord.reviews"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accord.reviews import jobs  # noqa: F401  (registers the reviews-schedule job)
