"""The one class a project overrides to change how the app treats people: ``TOKENS["ADAPTER"]``.

Subclass ``DefaultAdapter``, override any of its methods and name the subclass in the setting; the
app asks ``get_adapter()`` every time, which builds the instance once (again only after
``settings.TOKENS`` changes), so the hot path pays one function call.
"""

import ipaddress
import warnings
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.core.signals import setting_changed
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django.utils.text import slugify
from rest_framework.settings import api_settings

from tokens.conf import token_settings
from tokens.lifecycle import mail

# Deprecated settings the adapter replaces, and the method to override instead. They keep working
# for one release.
DEPRECATED_HOOKS = {"CLAIMS": "claims"}


class DefaultAdapter:
    """The app's defaults; every method is meant to be overridden."""

    def __init__(self) -> None:
        self.warned: set[str] = set()

    # Mail -----------------------------------------------------------------------------------------

    def send_mail(self, template: str, to: str, context: dict) -> None:
        """Render the mail ``template`` (``tokens/mail/<template>*``) with ``context`` and send it
        to ``to``; a failing mail server is logged, never the caller's error.
        """
        mail.send(template, to, context)

    def notify(self, user, template: str, context: dict | None = None, request=None) -> None:
        """Send a security notice to the user's current address (``tokens.lifecycle.mail.notify``
        says what its context holds), through ``send_mail``.
        """
        mail.notify(
            user,
            template,
            context,
            request,
            send=self.send_mail,
            client_address=self.client_address,
        )

    def mail_context(self, request) -> dict:
        """What a mail says about the request behind it: the client's ``ip_address`` (as
        ``client_address`` sees it), its ``device`` and ``user_agent``.
        """
        return mail.request_context(request, self.client_address)

    # Requests -------------------------------------------------------------------------------------

    def client_address(self, request) -> str | None:
        """The client's IP address: ``REMOTE_ADDR``, or behind ``NUM_PROXIES`` proxies (DRF's
        setting) the address the farthest of them saw, from ``X-Forwarded-For``.

        Without ``NUM_PROXIES`` the header counts for nothing (DRF's default would let a client
        pick its own address). An entry that is not an IP address (a misconfigured proxy) yields
        ``REMOTE_ADDR``.
        """
        remote = request.META.get("REMOTE_ADDR") or None
        proxies = api_settings.NUM_PROXIES or 0
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
        if proxies <= 0 or not forwarded:
            return remote
        hops = forwarded.split(",")
        candidate = hops[-min(proxies, len(hops))].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            return remote

    # Tokens and logins ----------------------------------------------------------------------------

    def claims(self, user) -> Mapping[str, Any]:
        """Claims every token of a session of ``user`` carries, asked when the session opens and
        when the user proves a credential again; names the tokens decide themselves are dropped.
        """
        if token_settings.CLAIMS:
            self.deprecated("CLAIMS")
            return token_settings.imported("CLAIMS")(user)
        return {}

    def get_login_stages(self) -> list[type]:
        """The stage classes every login runs through, in order (``LOGIN_STAGES``)."""
        return list(stage_classes(tuple(token_settings.LOGIN_STAGES)))

    # Accounts -------------------------------------------------------------------------------------

    def is_signup_open(self, request) -> bool:
        """Whether ``register/`` takes new accounts (else 403 ``signup_closed``)."""
        return True

    def generate_username(self, email: str = "", name: str = "") -> str:
        """A free username for a new account, from ``name`` or the e-mail's local part: slugified,
        cut to the field's length, with a random suffix while it is taken.
        """
        model = get_user_model()
        field = model._meta.get_field(model.USERNAME_FIELD)
        if model.get_email_field_name() == model.USERNAME_FIELD:
            return email
        length = getattr(field, "max_length", None) or 150
        base = slugify(name or email.partition("@")[0]).replace("-", "_")[: length - 7] or "user"
        candidate = base
        manager = model._default_manager
        while manager.filter(**{f"{model.USERNAME_FIELD}__iexact": candidate}).exists():
            candidate = f"{base}_{get_random_string(6, 'abcdefghijkmnpqrstuvwxyz23456789')}"
        return candidate

    def new_user_from_identity(self, identity: Mapping[str, Any]):
        """A saved user for an identity proven elsewhere (a social login): its ``email`` (required)
        and optional ``username`` or ``name``; no usable password, so it logs in only that way or
        after a password reset.
        """
        model = get_user_model()
        email = model._default_manager.normalize_email(identity["email"])
        username = identity.get("username") or self.generate_username(
            email=email, name=identity.get("name", "")
        )
        user = model(**{model.get_email_field_name(): email, model.USERNAME_FIELD: username})
        user.set_unusable_password()
        user.save()
        return user

    # Deprecations ---------------------------------------------------------------------------------

    def deprecated(self, setting: str) -> None:
        """Warn once (per configuration) that ``setting`` is used instead of the adapter."""
        if setting in self.warned:
            return
        self.warned.add(setting)
        warnings.warn(
            f"TOKENS[{setting!r}] is deprecated and goes in the next release: override "
            f"{DEPRECATED_HOOKS[setting]}() of a TOKENS['ADAPTER'] class instead.",
            DeprecationWarning,
            stacklevel=3,
        )


@cache
def stage_classes(paths: Sequence[str]) -> tuple[type, ...]:
    """The classes the import strings name, imported once per list."""
    return tuple(import_string(path) for path in paths)


_adapter: list[DefaultAdapter] = []


def get_adapter() -> DefaultAdapter:
    """The ``ADAPTER`` instance, built once."""
    if not _adapter:
        _adapter.append(token_settings.imported("ADAPTER")())
    return _adapter[0]


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "TOKENS":
        _adapter.clear()
        stage_classes.cache_clear()


setting_changed.connect(_settings_changed, dispatch_uid="tokens.adapter")
