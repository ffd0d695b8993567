from django.contrib import admin, messages

from tokens import services
from tokens.models import AuthEvent, Session


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ("user", "created_at", "last_used_at", "ends_at", "ip_address", "short_user_agent", "state")
    list_filter = ("revoked_reason", "created_at")
    search_fields = ("user__username", "user__email", "ip_address", "id")
    list_select_related = ("user",)
    actions = ("revoke_selected",)

    @admin.display(description="expires")
    def ends_at(self, session):
        return session.ends_at

    @admin.display(description="user agent")
    def short_user_agent(self, session):
        return session.user_agent[:60]

    @admin.display(description="state")
    def state(self, session):
        return session.state

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff and super().has_view_permission(request, obj)

    @admin.action(description="Revoke selected sessions", permissions=["view"])
    def revoke_selected(self, request, queryset):
        revoked = 0
        for session in queryset.filter(revoked_at__isnull=True).select_related("user"):
            revoked += services.revoke_sessions(session.user, [session.pk], Session.RevokeReason.ADMIN)
            services.record_event(AuthEvent.Kind.REVOKED, request, session.user,
                                  session_id=session.pk, detail="revoked by staff")
        self.message_user(request, f"Revoked {revoked} session(s).", messages.SUCCESS)


@admin.register(AuthEvent)
class AuthEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "user", "username", "ip_address", "user_agent")
    list_filter = ("kind", "at")
    search_fields = ("username", "user__username", "ip_address")
    list_select_related = ("user",)
    date_hierarchy = "at"
