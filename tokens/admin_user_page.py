"""What a user's admin page shows of their security (a mixin the project's user admin takes): their
live sessions, each with a button that revokes it from there, their second factors, and their last
auth events. Read-only sections, so the change form's fields stay what they were.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tokens.admin import SIGNED_IN_WITH, provider_cell
from tokens.browser.device_names import readable_device
from tokens.core.revocation import revoke
from tokens.mfa.models import Passkey, RecoveryCode, TotpFactor
from tokens.models import AuthEvent, Session

SECTIONS = ("live_session_list", "second_factor_list", "recent_auth_events")
# How many of a user's auth events their page lists, newest first.
RECENT_EVENTS = 20


def _table(headers, rows) -> str:
    head = format_html_join("", "<th scope='col'>{}</th>", ((header,) for header in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html(
        '<table class="user-security"><thead><tr>{}</tr></thead>{}</table>', head, body
    )


class UserSecurityAdminMixin(admin.ModelAdmin):
    """For the user admin: the sections "Sessions", "Second factors" and "Recent auth events" on a
    user's page, and the view its revoke buttons post to.
    """

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets.append((_("Sessions"), {"fields": ("live_session_list",)}))
            fieldsets.append((_("Second factors"), {"fields": ("second_factor_list",)}))
            fieldsets.append((_("Recent auth events"), {"fields": ("recent_auth_events",)}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, *SECTIONS) if obj is not None else fields

    def get_urls(self):
        meta = self.model._meta
        return [
            path(
                "<path:object_id>/revoke-session/<uuid:session_id>/",
                self.admin_site.admin_view(self.revoke_session_view),
                name=f"{meta.app_label}_{meta.model_name}_revoke_session",
            ),
            *super().get_urls(),
        ]

    def revoke_session_view(self, request, object_id, session_id):
        """Revoke one session of the user (a POST from the button beside it), then back."""
        user = self.get_object(request, object_id)
        if (
            request.method != "POST"
            or user is None
            or not self.has_change_permission(request, user)
        ):
            raise PermissionDenied
        session = get_object_or_404(Session, pk=session_id, user=user)
        revoked = revoke(Session.objects.filter(pk=session.pk), Session.RevokeReason.ADMIN, request)
        self.message_user(
            request,
            gettext("The session was revoked.") if revoked else gettext("That session had ended."),
            messages.SUCCESS if revoked else messages.WARNING,
        )
        meta = self.model._meta
        return HttpResponseRedirect(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[user.pk])
        )

    @admin.display(description=_("live sessions"))
    def live_session_list(self, user):
        sessions = Session.objects.live().filter(user=user).order_by("-last_used_at")
        if not sessions:
            return gettext("none")
        meta = self.model._meta
        name = f"admin:{meta.app_label}_{meta.model_name}_revoke_session"
        # The button submits the change form's CSRF token to the revoke view (``formaction``):
        # a form of its own cannot sit inside the change form.
        button = (
            '<button type="submit" class="button" formaction="{}" formmethod="post" '
            'formnovalidate aria-label="{}">{}</button>'
        )
        rows = [
            (
                readable_device(session.user_agent),
                session.ip_address or "-",
                provider_cell(session),
                session.created_at.strftime("%Y-%m-%d %H:%M"),
                session.last_used_at.strftime("%Y-%m-%d %H:%M"),
                format_html(
                    button,
                    reverse(name, args=[user.pk, session.pk]),
                    gettext("Revoke the session on %s") % readable_device(session.user_agent),
                    gettext("Revoke"),
                ),
            )
            for session in sessions
        ]
        headers = (
            _("device"),
            _("IP address"),
            SIGNED_IN_WITH,
            _("signed in"),
            _("last used"),
            "",
        )
        return _table(headers, rows)

    @admin.display(description=_("second factors"))
    def second_factor_list(self, user):
        totp = TotpFactor.objects.filter(user=user).exclude(secret="").first()
        passkeys = Passkey.objects.filter(user=user).order_by("created_at")
        codes = RecoveryCode.objects.filter(user=user, used_at=None).count()
        rows: list[tuple[str, str]] = [
            (
                gettext("authenticator app"),
                gettext("on since %s") % totp.created_at.strftime("%Y-%m-%d")
                if totp
                else gettext("off"),
            )
        ]
        for passkey in passkeys:
            used = passkey.last_used_at.strftime("%Y-%m-%d") if passkey.last_used_at else "-"
            rows.append(
                (
                    gettext("passkey “%s”") % passkey.name,
                    gettext("added %(added)s, last used %(used)s")
                    % {"added": passkey.created_at.strftime("%Y-%m-%d"), "used": used},
                )
            )
        rows.append((gettext("recovery codes left"), str(codes)))
        return _table((_("factor"), _("state")), rows)

    @admin.display(description=_("last auth events"))
    def recent_auth_events(self, user):
        events = AuthEvent.objects.filter(user=user).order_by("-at")[:RECENT_EVENTS]
        if not events:
            return gettext("none")
        rows = [
            (
                event.at.strftime("%Y-%m-%d %H:%M:%S"),
                event.get_kind_display(),
                event.ip_address or "-",
                readable_device(event.user_agent),
            )
            for event in events
        ]
        return _table((_("at"), _("kind"), _("IP address"), _("device")), rows)
