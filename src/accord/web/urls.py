from django.urls import path

from accord.web import views

urlpatterns = [
    path("", views.home, name="home"),
]
