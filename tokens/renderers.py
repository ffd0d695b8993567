"""The browsable API's login page: a form for a person, not a 405 and three fields."""

from rest_framework import status
from rest_framework.renderers import BrowsableAPIRenderer

from tokens.serializers import LoginFormSerializer


class LoginPageRenderer(BrowsableAPIRenderer):
    """``login/`` in a browser: one "Username or e-mail" field and a password, under a "Log in"
    heading.

    ``login/`` has no GET, so a browser opening it gets the 405 of the API; for a person that page
    is the form, and it is shown as a page (200). Clients of the JSON API still get the 405.
    """

    template = "tokens/login.html"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = renderer_context["response"]
        if (
            renderer_context["request"].method == "GET"
            and response.status_code == status.HTTP_405_METHOD_NOT_ALLOWED
        ):
            response.status_code = status.HTTP_200_OK
        return super().render(data, accepted_media_type, renderer_context)

    def get_rendered_html_form(self, data, view, method, request):
        if method != "POST":
            return super().get_rendered_html_form(data, view, method, request)
        # LoginSerializer's separate e-mail field is for API clients; its username field takes
        # either.
        return self.render_form_for_serializer(LoginFormSerializer())
