from django.urls import path  # noqa: F401

app_name = "reviews"
urlpatterns: list = []  # type: ignore[type-arg]
