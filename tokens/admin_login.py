"""The Django admin's login, a door like the API's: the same limits on guessing, and the second
factor of a staff user who has one.

Django's admin login checks the password alone, with no limit on guessing, which would be a way
into an account around both. This form runs the password through the login stages of the API's
doors (``tokens.flows``): under the account's limits (``tokens.throttling``, counted together with
the API's doors, and shown as a form error with the wait), and asking users with a factor for a
TOTP code or a recovery code (passkeys need the page's script, so a staff user with passkeys only
uses a recovery code here). A project wires it once,
where its URLs mount the admin::

    admin.site.login_form = SecondFactorAdminAuthenticationForm
    admin.site.login_template = "tokens/admin/login.html"

Staff with a passkey can use it instead ("Sign in with a passkey" on the same page): the page asks
``login/passkey/options/`` for a ceremony, the browser answers it, and ``admin_passkey_login``
runs the answer through the same stages (``PasskeyDoor``, as an admin door: the guessing limits,
``MFA_REQUIRED``, Django's staff check) before Django's ``login()`` opens the admin session.
"""

import json
import math
from collections.abc import Mapping
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import login as django_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from tokens import flows
from tokens.exceptions import (
    API_ERRORS,
    AuthError,
    InvalidCredentialsError,
    ThrottledError,
)
from tokens.mfa.serializers import MAX_CODE_LENGTH
from tokens.parsers import has_lone_surrogate

# The form's messages for the stages' refusals, by code.
SECOND_FACTOR_ERRORS: dict[str, Any] = {
    "mfa_required": _("This account has a second factor: give its code too."),
    "mfa_enrollment_required": _(
        "This account must have a second factor before it can sign in here. Sign in on the "
        "account page first, set up an authenticator app or a passkey there, then come back."
    ),
    "invalid_code": _("The code is wrong, or was used already."),
    "throttled": _("Too many attempts: try again in %(wait)s seconds."),
}


class AdminDoor(flows.PasswordDoor):
    """The admin's form as a door: a password and, inline, the code of a second factor; Django's
    admin opens the session itself once the form is valid.
    """

    name = "admin"
    # Not a login of the API: auth_logins_total does not count it.
    outcomes: ClassVar[Mapping[str, str]] = {}
    issues_tokens = False
    asks_code_inline = True

    def __init__(self, form: "SecondFactorAdminAuthenticationForm", username: str, password: str):
        super().__init__(username, password)
        self.form = form
        self.inline_code = form.cleaned_data.get("code") or None

    def allowed(self, attempt: flows.LoginAttempt) -> None:
        # Django's own refusals (an inactive user, a user who is not staff), as form errors.
        AdminAuthenticationForm.confirm_login_allowed(self.form, attempt.user)


class SecondFactorAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, run through the login stages (``tokens.flows``) like the API's."""

    code = forms.CharField(
        label=_("Second factor"),
        required=False,
        max_length=MAX_CODE_LENGTH,
        strip=True,
        help_text=_(
            "The code of your authenticator app, or a recovery code, if your account has "
            "a second factor."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_messages = {**self.error_messages, **SECOND_FACTOR_ERRORS}

    def clean(self):
        """The name, the password and the code through the login stages; their refusals as form
        errors.
        """
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is None or not password:
            return self.cleaned_data
        attempt = flows.LoginAttempt(self.request, AdminDoor(self, username, password))
        try:
            refusal = flows.run(attempt)
        except ThrottledError as exc:
            raise self.throttled_error(exc) from None
        except InvalidCredentialsError:
            raise self.get_invalid_login_error() from None
        except AuthError as exc:
            raise self.error_of(exc.code, str(API_ERRORS[exc.code].default_detail)) from None
        if refusal is not None:
            raise self.error_of(refusal.data["code"], refusal.data["detail"])
        self.user_cache = attempt.user
        return self.cleaned_data

    def error_of(self, code: str, detail: str) -> ValidationError:
        """A refusal as a form error: the form's own message for ``code``, else ``detail``."""
        return ValidationError(self.error_messages.get(code, detail), code=code)

    def throttled_error(self, exc: ThrottledError) -> ValidationError:
        return ValidationError(
            self.error_messages["throttled"],
            code="throttled",
            params={"wait": math.ceil(exc.wait)},
        )


class AdminPasskeyDoor(flows.PasskeyDoor):
    """A discoverable passkey's answer at the admin's login page: the API's passkey door, opening a
    Django session (no tokens) for active staff only.
    """

    name = "admin_passkey"
    # Not a login of the API: auth_logins_total does not count it.
    outcomes: ClassVar[Mapping[str, str]] = {}
    issues_tokens = False

    def allowed(self, attempt: flows.LoginAttempt) -> None:
        user = attempt.user
        if not (getattr(user, "is_active", False) and getattr(user, "is_staff", False)):
            raise InvalidCredentialsError("not an active staff user")


def _error(code: str, detail: Any, status: int) -> JsonResponse:
    return JsonResponse({"detail": str(detail), "code": code}, status=status)


@never_cache
@csrf_protect
@require_POST
def admin_passkey_login(request: HttpRequest) -> JsonResponse:
    """``{"challenge_id", "credential", "next"}`` from the admin's login page: the passkey's answer
    through the login stages, then Django's session; ``{"redirect"}`` on success, else the API's
    ``{"detail", "code"}`` with its status (429 with ``Retry-After``).
    """
    try:
        # As the API's parser reads JSON: no nesting past the recursion limit, no lone surrogate.
        data = json.loads(request.body)
        challenge_id, credential = data["challenge_id"], data["credential"]
        if not isinstance(challenge_id, str) or not isinstance(credential, dict):
            raise TypeError
        if has_lone_surrogate(data):
            raise ValueError
    except (ValueError, KeyError, TypeError, RecursionError):
        return _error("invalid_request", _("A passkey answer is needed."), 400)
    attempt = flows.LoginAttempt(request, AdminPasskeyDoor(challenge_id, credential))
    try:
        refusal = flows.run(attempt)
    except ThrottledError as exc:
        response = _error("throttled", API_ERRORS["throttled"].default_detail, 429)
        response["Retry-After"] = str(math.ceil(exc.wait))
        return response
    except AuthError as exc:
        error = API_ERRORS[exc.code]
        return _error(exc.code, error.default_detail, error.status_code)
    if refusal is not None:
        return JsonResponse(refusal.data, status=refusal.status_code)
    django_login(request, attempt.user, backend=settings.AUTHENTICATION_BACKENDS[0])
    target = data.get("next") if isinstance(data.get("next"), str) else ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:index")
    return JsonResponse({"redirect": target})
