"""Pages under /reviews/."""

from django.urls import path

from accord.reviews import views

app_name = "reviews"
urlpatterns = [
    path("", views.review_list, name="list"),
    path("<int:pk>/", views.review_detail, name="review"),
    path("<int:pk>/pack.<str:fmt>", views.review_pack, name="pack"),
    path("<int:pk>/record/", views.review_record, name="record"),
    path("<int:pk>/cancel/", views.review_cancel, name="cancel"),
    path("<int:pk>/actions/", views.review_action, name="review_action"),
    path("actions/", views.action_list, name="actions"),
    path("actions/<int:pk>/status/", views.action_status, name="action_status"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/status/", views.plan_status, name="plan_status"),
    path("plans/<int:pk>/actions/", views.plan_action, name="plan_action"),
    path("process/<int:year>/", views.process_page, name="process"),
]
