from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from bench.anchor.views import MeView, RedisCheckedMeView, StatelessMeView
from bench.views import FloorView

urlpatterns = [
    path("bench/floor/", FloorView.as_view()),
    path("api/token/", TokenObtainPairView.as_view()),
    path("api/token/refresh/", TokenRefreshView.as_view()),
    # Paths analogous to the project's /api/auth/me/ and /api/auth/session/.
    path("api/auth/me/", MeView.as_view()),
    path("api/auth/me-stateless/", StatelessMeView.as_view()),
    path("api/auth/me-redis/", RedisCheckedMeView.as_view()),
]
