from django.urls import include, path

from bench.views import FloorView

urlpatterns = [
    path("bench/floor/", FloorView.as_view()),
    # Where django-allauth's headless installation guide includes its URLs.
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
]
