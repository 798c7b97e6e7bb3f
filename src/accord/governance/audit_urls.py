"""Mounted at /governance/audit/ (src/accord/urls.py)."""

from django.urls import path

from accord.governance import audit_views

app_name = "audit"
urlpatterns = [path("", audit_views.audit_trail, name="trail")]
