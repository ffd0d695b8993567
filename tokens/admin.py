from typing import ClassVar

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tokens.browser.csp import content_security_policy
from tokens.browser.device_names import readable_device
from tokens.core import degraded
from tokens.core.revocation import forget_rolled_back_revocations, revoke
from tokens.exceptions import DATABASE_FAULTS
from tokens.lifecycle import services as lifecycle
from tokens.lifecycle.models import EmailVerification
from tokens.mfa import factors
from tokens.mfa.models import Passkey, TotpFactor
from tokens.models import AuthEvent, Session
from tokens.operations import charts, overview
from tokens.social.providers import display_name


class StoreErrorsAsMessages(admin.ModelAdmin):
    """Admin views that revoke say what was saved when the database or Redis fails.

    The database failing: the view's transaction has rolled back by the time the error arrives
    here, so the page is shown again with nothing changed. Redis unreachable: the change is saved
    in the database alone (degraded mode), which then answers for those sessions; the page says so
    beside the action's own message.
    """

    database_unavailable_message = _(
        "Nothing was changed: the database cannot be reached. Try again shortly."
    )
    degraded_message = _(
        "The token store (Redis) cannot be reached: the change is saved in the database, which "
        "answers for these sessions (their tokens are refused) until Redis is back."
    )

    def _retry_page(self, request, view, *args, **kwargs):
        alone = degraded.writes_alone()
        try:
            response = view(request, *args, **kwargs)
        except DATABASE_FAULTS:
            forget_rolled_back_revocations()
            self.message_user(request, self.database_unavailable_message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        if degraded.writes_alone() > alone:
            self.message_user(request, self.degraded_message, messages.WARNING)
        return response

    def changelist_view(self, request, extra_context=None):
        return self._retry_page(request, super().changelist_view, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._retry_page(
            request, super().changeform_view, object_id, form_url, extra_context
        )

    def delete_view(self, request, object_id, extra_context=None):
        return self._retry_page(request, super().delete_view, object_id, extra_context)


def revoked_message(revoked: int) -> str:
    """What a revoking action says it did."""
    message = ngettext("Revoked %(count)d session.", "Revoked %(count)d sessions.", revoked)
    return message % {"count": revoked}


# ``Session.state`` as the session list shows it.
SESSION_STATES = {"live": _("live"), "expired": _("expired"), "revoked": _("revoked")}


def user_agent_cell(user_agent: str) -> str:
    """A user agent in a list: its readable device name, the whole string when hovered."""
    return format_html('<span title="{}">{}</span>', user_agent, readable_device(user_agent))


def provider_cell(session: Session) -> str:
    """Where a session began, in a list: the outside identity provider's name (its id when
    hovered), or "-" for a session no social login opened.
    """
    if not session.provider:
        return "-"
    return format_html(
        '<span title="{}">{}</span>', session.provider, display_name(session.provider)
    )


# The column of both session lists (the Sessions admin's, a user's page): the provider's name.
SIGNED_IN_WITH = _("signed in with")


class FitsTheWindow(admin.ModelAdmin):
    """Change lists that fit a 1280 px window: columns wrap instead of scrolling sideways."""

    class Media:
        css: ClassVar[dict[str, tuple[str, ...]]] = {"all": ("tokens/admin.css",)}


def pending_signups():
    """A boolean expression on users: their sign-up waits for its address to be verified."""
    return Exists(
        EmailVerification.objects.filter(
            user=OuterRef("pk"), purpose=EmailVerification.Purpose.SIGNUP
        )
    )


class EmailVerifiedFilter(admin.SimpleListFilter):
    title = _("e-mail verified")
    parameter_name = "email_verified"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")), ("no", _("No")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(pending_signups())
        if self.value() == "no":
            return queryset.filter(pending_signups())
        return queryset


class AccountLifecycleAdminMixin(admin.ModelAdmin):
    """For a project's user admin: a "verified" column (whether the address is verified), and the
    action "Send a password reset mail". Add ``"email_verified"`` to ``list_display``,
    ``EmailVerifiedFilter`` to ``list_filter`` and ``"send_password_reset_mail"`` to ``actions``.
    """

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(signup_pending=pending_signups())

    # "verified", beside the address column: a short header keeps the list within a laptop's width.
    @admin.display(description=_("verified"), boolean=True, ordering="signup_pending")
    def email_verified(self, user):
        return not user.signup_pending

    @admin.action(description=_("Send a password reset mail"), permissions=["change"])
    def send_password_reset_mail(self, request, queryset):
        users = [user for user in queryset if lifecycle.can_reset(user)]
        for user in users:
            lifecycle.mail_reset_link(request, user)
        skipped = queryset.count() - len(users)
        sent = ngettext(
            "Sent a password reset mail to %(count)d user.",
            "Sent a password reset mail to %(count)d users.",
            len(users),
        )
        self.message_user(request, sent % {"count": len(users)}, messages.SUCCESS)
        if skipped:
            message = ngettext(
                "Skipped %(count)d user without an active account, an address or a password.",
                "Skipped %(count)d users without an active account, an address or a password.",
                skipped,
            )
            self.message_user(request, message % {"count": skipped}, messages.WARNING)


class SecondFactorsAdminMixin(admin.ModelAdmin):
    """For a project's user admin: a "second factors" column and the action "Remove second factors"
    (which also revokes every session of the users, and is logged). Add ``"second_factors"`` to
    ``list_display`` and ``"remove_second_factors"`` to ``actions``.
    """

    def get_queryset(self, request):
        passkeys = (
            Passkey.objects.filter(user=OuterRef("pk"))
            .order_by()
            .values("user")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                totp_enabled=Exists(
                    TotpFactor.objects.filter(user=OuterRef("pk")).exclude(secret="")
                ),
                passkey_total=Coalesce(Subquery(passkeys), Value(0)),
            )
        )

    @admin.display(description=_("second factors"))
    def second_factors(self, user) -> str:
        enrolled = ["TOTP"] if user.totp_enabled else []
        if user.passkey_total:
            passkeys = ngettext("%(count)d passkey", "%(count)d passkeys", user.passkey_total)
            enrolled.append(passkeys % {"count": user.passkey_total})
        return ", ".join(enrolled) or "-"

    @admin.action(description=_("Remove second factors"))
    def remove_second_factors(self, request, queryset):
        # All or nothing, like the other actions that revoke.
        with transaction.atomic():
            users = list(queryset)
            removed = sum(factors.remove_all(request, user) for user in users)
        # Two counts, one sentence: the user count picks the plural form, the factor count is a
        # number in it.
        message = ngettext(
            "Removed %(removed)d second factor(s) of %(count)d user and revoked their sessions.",
            "Removed %(removed)d second factor(s) of %(count)d users and revoked their sessions.",
            len(users),
        )
        self.message_user(
            request, message % {"removed": removed, "count": len(users)}, messages.SUCCESS
        )


class ReadOnlyAdmin(FitsTheWindow):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Session)
class SessionAdmin(StoreErrorsAsMessages, ReadOnlyAdmin):
    list_display = (
        "user",
        "created_at",
        "last_used_at",
        "usable_until",
        "ip_address",
        "device",
        "signed_in_with",
        "state",
    )
    list_filter = ("revoked_reason", "created_at")
    search_fields = ("ip_address", "id")
    list_select_related = ("user",)
    actions = ("revoke_selected",)

    def get_search_fields(self, request):
        return (f"user__{get_user_model().USERNAME_FIELD}", *self.search_fields)

    @admin.display(description=_("expires"))
    def usable_until(self, session):
        return session.usable_until

    @admin.display(description=_("user agent"))
    def device(self, session):
        return user_agent_cell(session.user_agent)

    @admin.display(description=SIGNED_IN_WITH)
    def signed_in_with(self, session):
        return provider_cell(session)

    @admin.display(description=_("state"))
    def state(self, session):
        return SESSION_STATES[session.state]

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff and super().has_view_permission(request, obj)

    @admin.action(description=_("Revoke selected sessions"), permissions=["view"])
    def revoke_selected(self, request, queryset):
        revoked = revoke(queryset, Session.RevokeReason.ADMIN, request)
        self.message_user(request, revoked_message(revoked), messages.SUCCESS)


@admin.register(AuthEvent)
class AuthEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "user", "username", "ip_address", "device")
    list_filter = ("kind", "at")
    search_fields = ("username", "ip_address")
    list_select_related = ("user",)
    date_hierarchy = "at"

    def get_search_fields(self, request):
        return (*self.search_fields, f"user__{get_user_model().USERNAME_FIELD}")

    @admin.display(description=_("user agent"))
    def device(self, event):
        return user_agent_cell(event.user_agent)

    def get_urls(self):
        view = self.admin_site.admin_view(content_security_policy(self.overview_view))
        return [path("overview/", view, name="tokens_authevent_overview"), *super().get_urls()]

    def overview_view(self, request):
        """The security overview: charts of the auth event log, Redis's refresh tallies and the live
        sessions.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        figures = overview.figures()
        # Translators: strftime formats of the overview's chart labels, a day ("Dec 07") and an
        # hour ("Dec 07, 14:00"); a day's label sits under a bar, so keep it short.
        day, hour = gettext("%b %d"), gettext("%b %d, %H:00")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Security overview"),
            "opts": self.model._meta,
            "figures": figures,
            "needs_action": bool(
                figures.under_attack
                or figures.reuse_detected
                or figures.disabled_with_live_sessions
            ),
            "hourly": [
                charts.time_chart(gettext(series.title), series.points, "%H:00", 6, hour)
                for series in figures.hourly
            ],
            "daily": [
                charts.time_chart(gettext(series.title), series.points, day, 7, day)
                for series in figures.daily
            ],
            "by_address": charts.ranked_chart(
                gettext("Failed logins by address"), figures.failed_by_address
            ),
            "by_username": charts.ranked_chart(
                gettext("Failed logins by username"), figures.failed_by_username
            ),
        }
        return TemplateResponse(request, "admin/tokens/overview.html", context)
