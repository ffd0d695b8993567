"""The Django admin's login with second factors: a staff user who has one gives its code too.

Django's admin login checks the password alone, which would be a way into an account around its
second factor. This form asks users with a factor for a TOTP code or a recovery code (passkeys
need the page's script, so a staff user with passkeys only uses a recovery code here), slowed
down like the API's wrong codes. A project wires it once, where its URLs mount the admin::

    admin.site.login_form = SecondFactorAdminAuthenticationForm
    admin.site.login_template = "tokens/admin/login.html"
"""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from tokens.exceptions import InvalidCodeError, ThrottledError
from tokens.mfa import factors
from tokens.mfa.serializers import MAX_CODE_LENGTH

SECOND_FACTOR_ERRORS = {
    "mfa_required": "This account has a second factor: give its code too.",
    "invalid_code": "The code is wrong, or was used already.",
    "throttled": "Too many wrong codes: try again in %(wait)s seconds.",
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
            raise ValidationError(
                self.error_messages["throttled"], code="throttled", params={"wait": exc.wait}
            ) from None
        except InvalidCodeError:
            raise ValidationError(
                self.error_messages["invalid_code"], code="invalid_code"
            ) from None
