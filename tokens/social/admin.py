"""The admin's view of linked outside identities: a searchable list, and the user page's section."""

from django.contrib import admin

from tokens.admin import FitsTheWindow
from tokens.social.models import SocialIdentity


@admin.register(SocialIdentity)
class SocialIdentityAdmin(FitsTheWindow):
    list_display = ("user", "provider", "email", "issuer", "subject", "created_at", "last_used_at")
    list_filter = ("provider",)
    search_fields = ("issuer", "subject", "email", "user__username", "user__email")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    # Made by logins and links only: a row typed in here would let its subject into the account.
    readonly_fields = ("provider", "issuer", "subject", "email", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False
