from django.urls import path

from accord.web import (
    views,
    views_agreement,
    views_alerts,
    views_catalogue,
    views_clocks,
    views_search,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("agreements/<str:name>/", views_agreement.agreement_page, name="agreement"),
    path("agreements/<str:name>/burndown/", views_agreement.burndown, name="agreement-burndown"),
    path(
        "agreements/<str:name>/targets/", views_agreement.target_rows, name="agreement-target-rows"
    ),
    path(
        "agreements/<str:name>/targets/<str:target>/breaches/",
        views_agreement.target_breaches,
        name="target-breaches",
    ),
    path("catalogue/", views_catalogue.catalogue, name="catalogue"),
    path("catalogue/<str:name>/", views_catalogue.subject_page, name="catalogue-subject"),
    path("tickets/<int:ticket>/", views_clocks.ticket_page, name="ticket"),
    path(
        "tickets/<int:ticket>/clocks/<str:agreement>/<str:target>/",
        views_clocks.clock_page,
        name="clock",
    ),
    path("alerts/", views_alerts.inbox, name="alerts"),
    path("alerts/<int:alert>/acknowledge/", views_alerts.acknowledge, name="alert-acknowledge"),
    path("search/", views_search.search, name="search"),
]
