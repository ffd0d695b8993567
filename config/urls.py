from django.contrib import admin
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView
from django.views.i18n import JavaScriptCatalog, set_language

from tokens.admin_login import SecondFactorAdminAuthenticationForm, admin_passkey_login
from tokens.browser.csp import content_security_policy
from tokens.conf import token_settings
from tokens.schema import SchemaView, SwaggerView

# The admin's login asks staff with a second factor for its code (no way in around it).
admin.site.login_form = SecondFactorAdminAuthenticationForm
admin.site.login_template = "tokens/admin/login.html"
# The admin's titles name the project (SITE_NAME), read when a page is drawn, not at import.
_site_name = lazy(lambda: token_settings.SITE_NAME, str)()
admin.site.site_header = format_lazy(_("{name} administration"), name=_site_name)
admin.site.site_title = format_lazy(_("{name} admin"), name=_site_name)

urlpatterns = [
    # First: Django tries the patterns in order, and the token-checked reads are most requests.
    path("api/auth/", include("tokens.urls")),
    # The account page; it hands browsers the CSRF cookie their cookie-authenticated requests
    # need. The mails' links (e-mail verification, password reset) point here.
    path(
        "",
        content_security_policy(
            ensure_csrf_cookie(TemplateView.as_view(template_name="account.html"))
        ),
        name="account",
    ),
    # The same page with a view of the client's tokens and renewals, for developers only: the
    # account page itself shows none of it.
    path(
        "demo/",
        content_security_policy(
            ensure_csrf_cookie(TemplateView.as_view(template_name="demo.html"))
        ),
        name="demo",
    ),
    # The pages' scripts read their sentences from the tokens app's djangojs catalogue, in the
    # request's language; the page loads it before them (same origin, so the CSP stands).
    path("i18n/catalogue.js", JavaScriptCatalog.as_view(packages=["tokens"]), name="js-catalogue"),
    # The account page's language switch: a form that POSTs here sets the language cookie.
    path("i18n/language/", set_language, name="set-language"),
    # Staff's passkey at the admin's login page (tokens.admin_login): the page's script posts here,
    # beside the admin's own URLs.
    path(
        "admin/",
        include([path("passkey-login/", admin_passkey_login, name="admin-passkey-login")]),
    ),
    path("admin/", admin.site.urls),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="docs"),
    path("", include("tokens.well_known_urls")),
    path("", include("tokens.operations.urls")),
]

handler400 = "tokens.error_pages.api_bad_request"
handler404 = "tokens.error_pages.api_not_found"
handler500 = "tokens.error_pages.api_server_error"
