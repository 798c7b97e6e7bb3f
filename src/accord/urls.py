from django.contrib import admin
from django.urls import include, path

from accord.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("accord.accounts.urls")),
    path("", include("accord.agreements.urls")),
    path("reports/", include("accord.reviews.report_urls")),
    path("reviews/", include("accord.reviews.urls")),
    path("governance/audit/", include("accord.governance.audit_urls")),
    path("governance/", include("accord.governance.urls")),
    path("", include("accord.web.urls")),
]
