"""The browsable API's login pages: a form for a person, not a 405 and three fields."""

from rest_framework import serializers, status
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.reverse import reverse

# The browsable API's form for each login step ("password", "second_factor"), registered by the
# serializer that defines it (``login_form``), so the renderer knows no feature.
FORMS: dict[str, type[serializers.Serializer]] = {}


def login_form(step: str):
    """Class decorator: the browsable API's form for the login step ``step``."""

    def register(form: type[serializers.Serializer]) -> type[serializers.Serializer]:
        FORMS[step] = form
        return form

    return register


class LoginPageRenderer(BrowsableAPIRenderer):
    """``login/`` in a browser: one "Username or e-mail" field and a password, under a "Log in"
    heading; once the password is right for a user with a second factor, the second step's form
    (``login/mfa/``: the ``mfa_token`` filled in and a code).

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

    def second_step(self, data, view) -> str | None:
        """The ``mfa_token`` the second step's form needs: from the answer ``mfa_required``, or ""
        on ``login/mfa/`` itself; None on the first step.
        """
        if isinstance(data, dict) and data.get("code") == "mfa_required":
            return str(data.get("mfa_token", ""))
        if getattr(view, "second_factor_step", False):
            posted = getattr(view.request, "data", None)
            return str(posted.get("mfa_token", "")) if isinstance(posted, dict) else ""
        return None

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        second = self.second_step(data, renderer_context["view"])
        request = renderer_context["request"]
        context["second_step"] = second is not None
        context["form_action"] = (
            reverse("tokens:login-mfa", request=request)
            if second is not None
            else request.get_full_path()
        )
        return context

    def get_rendered_html_form(self, data, view, method, request):
        if method != "POST":
            return super().get_rendered_html_form(data, view, method, request)
        mfa_token = self.second_step(data, view)
        if mfa_token is not None:
            form = FORMS["second_factor"]()
            form.fields["mfa_token"].initial = mfa_token
            return self.render_form_for_serializer(form)
        # LoginSerializer's separate e-mail field is for API clients; its username field takes
        # either.
        return self.render_form_for_serializer(FORMS["password"]())
