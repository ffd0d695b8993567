from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("tokens.urls")),
]

handler404 = "tokens.views.api_not_found"
handler500 = "tokens.views.api_server_error"
