from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path

from tokens.core import services
from tokens.exceptions import DATABASE_FAULTS
from tokens.models import AuthEvent, Session
from tokens.operations import charts, overview
from tokens.store.breaker import breaker


class StoreErrorsAsMessages(admin.ModelAdmin):
    """Admin views that revoke say what was saved when the database or Redis fails.

    The database failing: the view's transaction has rolled back by the time the error arrives
    here, so the page is shown again with nothing changed. Redis unreachable: the change is saved
    in the database alone (degraded mode), which then answers for those sessions; the page says so
    beside the action's own message.
    """

    database_unavailable_message = (
        "Nothing was changed: the database cannot be reached. Try again shortly."
    )
    degraded_message = (
        "The token store (Redis) cannot be reached: the change is saved in the database, which "
        "answers for these sessions (their tokens are refused) until Redis is back."
    )

    def _retry_page(self, request, view, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except DATABASE_FAULTS:
            services.forget_rolled_back_revocations()
            self.message_user(request, self.database_unavailable_message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        if request.method == "POST" and breaker.is_open:
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


class ReadOnlyAdmin(admin.ModelAdmin):
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
        "ends_at",
        "ip_address",
        "short_user_agent",
        "state",
    )
    list_filter = ("revoked_reason", "created_at")
    search_fields = ("ip_address", "id")
    list_select_related = ("user",)
    actions = ("revoke_selected",)

    def get_search_fields(self, request):
        return (f"user__{get_user_model().USERNAME_FIELD}", *self.search_fields)

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
        revoked = services.revoke(queryset, Session.RevokeReason.ADMIN, request)
        self.message_user(request, f"Revoked {revoked} session(s).", messages.SUCCESS)


@admin.register(AuthEvent)
class AuthEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "user", "username", "ip_address", "user_agent")
    list_filter = ("kind", "at")
    search_fields = ("username", "ip_address")
    list_select_related = ("user",)
    date_hierarchy = "at"

    def get_search_fields(self, request):
        return (*self.search_fields, f"user__{get_user_model().USERNAME_FIELD}")

    def get_urls(self):
        view = self.admin_site.admin_view(self.overview_view)
        return [path("overview/", view, name="tokens_authevent_overview"), *super().get_urls()]

    def overview_view(self, request):
        """The security overview: charts of the auth event log, Redis's refresh tallies and the live
        sessions.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        figures = overview.figures()
        context = {
            **self.admin_site.each_context(request),
            "title": "Security overview",
            "opts": self.model._meta,
            "figures": figures,
            "hourly": [
                charts.time_chart(series.title, series.points, "%H:00", 6, "%b %d, %H:00")
                for series in figures.hourly
            ],
            "daily": [
                charts.time_chart(series.title, series.points, "%b %d", 7, "%b %d")
                for series in figures.daily
            ],
            "by_address": charts.ranked_chart(
                "Failed logins by address", figures.failed_by_address
            ),
            "by_username": charts.ranked_chart(
                "Failed logins by username", figures.failed_by_username
            ),
        }
        return TemplateResponse(request, "admin/tokens/overview.html", context)
