"""The Django admin's login, a door like the API's: the same limits on guessing, and the second
factor of a staff user who has one.

Django's admin login checks the password alone, with no limit on guessing, which would be a way
into an account around both. This form checks the password under the account's limits
(``tokens.throttling``, counted together with the API's doors, and shown as a form error with the
wait), and asks users with a factor for a TOTP code or a recovery code (passkeys need the page's
script, so a staff user with passkeys only uses a recovery code here). A project wires it once,
where its URLs mount the admin::

    admin.site.login_form = SecondFactorAdminAuthenticationForm
    admin.site.login_template = "tokens/admin/login.html"
"""

import math

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError

from tokens.exceptions import InvalidCodeError, InvalidCredentialsError, ThrottledError
from tokens.mfa import factors
from tokens.mfa.serializers import MAX_CODE_LENGTH
from tokens.throttling import Subject, guarded

SECOND_FACTOR_ERRORS = {
    "mfa_required": "This account has a second factor: give its code too.",
    "invalid_code": "The code is wrong, or was used already.",
    "throttled": "Too many attempts: try again in %(wait)s seconds.",
}


class SecondFactorAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, with the second factor of users who have one."""

    code = forms.CharField(
        label="Second factor",
        required=False,
        max_length=MAX_CODE_LENGTH,
        strip=True,
        help_text="The code of your authenticator app, or a recovery code, if your account has "
        "a second factor.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_messages = {**self.error_messages, **SECOND_FACTOR_ERRORS}

    def clean(self):
        """Django's check of the name and password, run under the account's limits on guessing."""
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is None or not password:
            return self.cleaned_data

        def verify():
            # A failure is recorded by authenticate()'s user_login_failed signal (tokens.signals).
            user = authenticate(self.request, username=username, password=password)
            if user is None:
                raise InvalidCredentialsError("admin login failed")
            return user

        try:
            self.user_cache = guarded(
                self.request,
                Subject.of_name(username),
                verify,
                failed_event=None,
                ends_run=lambda user: not factors.has_second_factor(user),
            )
        except ThrottledError as exc:
            raise self.throttled_error(exc) from None
        except InvalidCredentialsError:
            raise self.get_invalid_login_error() from None
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def throttled_error(self, exc: ThrottledError) -> ValidationError:
        return ValidationError(
            self.error_messages["throttled"],
            code="throttled",
            params={"wait": math.ceil(exc.wait)},
        )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not factors.has_second_factor(user):
            return
        code = self.cleaned_data.get("code")
        if not code:
            raise ValidationError(self.error_messages["mfa_required"], code="mfa_required")
        try:
            factors.check(self.request, user, lambda: factors.verify_code(user, code), "admin")
        except ThrottledError as exc:
            raise self.throttled_error(exc) from None
        except InvalidCodeError:
            raise ValidationError(
                self.error_messages["invalid_code"], code="invalid_code"
            ) from None
