"""The lifecycle pages of an agreement; the agreement page itself is the web app's."""

from django.urls import path

from accord.agreements import views

app_name = "agreements"
base = "agreements/<str:name>/workflow/"
urlpatterns = [
    path(base, views.workflow_page, name="workflow"),
    path(f"{base}transition/", views.move, name="transition"),
    path(f"{base}comments/", views.comment, name="comment"),
    path(f"{base}comments/<int:comment_id>/adopt/", views.adopt, name="adopt"),
    path(f"{base}approvals/", views.approve, name="approve"),
    path(f"{base}amendments/", views.amend, name="amend"),
    path(
        f"{base}amendments/<int:number>/approve/", views.approve_amendment, name="approve-amendment"
    ),
    path(f"{base}temporary-changes/", views.request_change, name="request-change"),
    path(
        f"{base}temporary-changes/<str:change>/<str:decision>/",
        views.change_decision,
        name="change-decision",
    ),
]
