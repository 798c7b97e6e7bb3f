from django.urls import path

from accord.governance import views

app_name = "governance"
urlpatterns = [
    path("", views.index, name="index"),
    path("checks/", views.checks, name="checks"),
    path("impact/", views.impact, name="impact"),
    path("credits/", views.credits, name="credits"),
    path("credits.csv", views.credits_export, {"what": "credits"}, name="credits-csv"),
    path("costs.csv", views.credits_export, {"what": "costs"}, name="costs-csv"),
]
