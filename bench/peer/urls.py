from django.urls import include, path

from bench.peer.views import SessionView
from bench.views import FloorView

urlpatterns = [
    path("bench/floor/", FloorView.as_view()),
    # Where ``jwt-allauth startproject`` includes the library's URLs.
    path("jwt-allauth/", include("jwt_allauth.urls")),
    path("bench/session/", SessionView.as_view()),
]
