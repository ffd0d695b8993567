from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from tokens.admin import (
    AccountLifecycleAdminMixin,
    EmailVerifiedFilter,
    FitsTheWindow,
    SecondFactorsAdminMixin,
    StoreErrorsAsMessages,
    revoked_message,
)
from tokens.admin_user_page import UserSecurityAdminMixin
from tokens.core.revocation import revoke_all
from tokens.models import Session
from tokens.social.user_admin import SocialIdentitiesAdminMixin


@admin.register(User)
class UserAdmin(
    UserSecurityAdminMixin,
    SocialIdentitiesAdminMixin,
    SecondFactorsAdminMixin,
    StoreErrorsAsMessages,
    AccountLifecycleAdminMixin,
    FitsTheWindow,
    DjangoUserAdmin,
):
    list_display = (
        "username",
        "email",
        "email_verified",
        "is_active",
        "is_staff",
        "last_login",
        "live_sessions",
        "second_factors",
    )
    list_editable = ("is_active",)
    list_filter = ("is_active", EmailVerifiedFilter, "is_staff", "is_superuser", "groups")
    search_fields = ("username", "email", "first_name", "last_name")
    actions = (
        "disable_and_revoke",
        "revoke_all_sessions",
        "send_password_reset_mail",
        "remove_second_factors",
    )

    def get_queryset(self, request):
        live = Session.objects.live().filter(user=OuterRef("pk")).order_by()
        count = live.values("user").annotate(n=Count("pk")).values("n")
        return (
            super().get_queryset(request).annotate(live_session_count=Coalesce(Subquery(count), 0))
        )

    @admin.display(description=_("live sessions"), ordering="live_session_count")
    def live_sessions(self, user):
        return user.live_session_count

    @admin.action(description=_("Disable and revoke sessions"))
    def disable_and_revoke(self, request, queryset):
        # All or nothing: one user that cannot be revoked leaves every selected user as they were.
        with transaction.atomic():
            users = list(queryset)
            for user in users:
                user.is_active = False
                user.save()  # the save revokes the user's sessions first (tokens.signals)
        message = ngettext(
            "Disabled %(count)d user and revoked their sessions.",
            "Disabled %(count)d users and revoked their sessions.",
            len(users),
        )
        self.message_user(request, message % {"count": len(users)}, messages.SUCCESS)

    @admin.action(description=_("Revoke all sessions"))
    def revoke_all_sessions(self, request, queryset):
        revoked = revoke_all(queryset, Session.RevokeReason.ADMIN, request=request)
        self.message_user(request, revoked_message(revoked), messages.SUCCESS)
