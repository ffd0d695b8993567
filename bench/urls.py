"""The project's URLs unchanged, plus ``/bench/floor/``."""

from django.urls import include, path

from bench.views import FloorView

urlpatterns = [
    path("bench/floor/", FloorView.as_view()),
    path("", include("config.urls")),
]
