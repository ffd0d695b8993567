"""Django's error handlers for a project that serves the API: what Django answers before or
around any view (a Host not allowed, an unknown path, an unexpected failure) keeps the API's
``{"detail", "code"}`` shape under the API's prefix, and Django's own pages elsewhere.

A project names them in its root URLconf::

    handler400 = "tokens.error_pages.api_bad_request"
    handler404 = "tokens.error_pages.api_not_found"
    handler500 = "tokens.error_pages.api_server_error"
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import bad_request, page_not_found, server_error
from rest_framework import status

from tokens.browser.https import under_the_api


def api_bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """What Django refuses before any view (a Host not allowed, say) answers in the API's shape
    under the API's prefix.
    """
    if under_the_api(request):
        return JsonResponse(
            {"detail": _("Bad request."), "code": "bad_request"}, status=status.HTTP_400_BAD_REQUEST
        )
    return bad_request(request, exception)


def api_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Unknown paths under the API's prefix answer in the API's error shape; elsewhere Django's
    page.
    """
    if under_the_api(request):
        return JsonResponse(
            {"detail": _("Not found."), "code": "not_found"}, status=status.HTTP_404_NOT_FOUND
        )
    return page_not_found(request, exception)


def api_server_error(request: HttpRequest) -> HttpResponse:
    """Paths under the API's prefix get the API's error shape even for an unexpected failure."""
    if under_the_api(request):
        return JsonResponse(
            {"detail": _("Server error."), "code": "server_error"},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return server_error(request)
