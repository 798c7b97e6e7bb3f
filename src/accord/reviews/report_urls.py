"""/reports/: the index, agreement and customer (party) reports, breach reasons."""

from django.urls import path

from accord.reviews.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("agreements/<str:name>/<str:period>/", views.agreement_page, name="agreement"),
    path("customers/<str:party>/<str:period>/", views.customer_page, name="customer"),
    path("breach-reasons/", views.breach_reason, name="breach-reason"),
]
