from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tokens.oauth import JWKSView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("tokens.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path(".well-known/jwks.json", JWKSView.as_view(), name="jwks"),
]
