from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView

urlpatterns = [
    # The demo page; it hands browsers the csrftoken cookie their cookie-authenticated requests need.
    path("", ensure_csrf_cookie(TemplateView.as_view(template_name="demo.html")), name="demo"),
    path("admin/", admin.site.urls),
    path("api/auth/", include("tokens.urls")),
]

handler404 = "tokens.views.api_not_found"
handler500 = "tokens.views.api_server_error"
