from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from bench.views import FloorView

urlpatterns = [
    path("bench/floor/", FloorView.as_view()),
    path("api/token/", TokenObtainPairView.as_view()),
    path("api/token/refresh/", TokenRefreshView.as_view()),
]
