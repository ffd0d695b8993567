"""The linked identities on the user admin's page (a mixin the project's user admin takes); the
model is only queried while ``SOCIAL_LOGIN`` is on, so a project without ``tokens.social`` can keep
the mixin.
"""

from django.contrib import admin

from tokens.conf import token_settings
from tokens.social.models import SocialIdentity


class SocialIdentityInline(admin.TabularInline):
    """The user page's linked identities; removing one unlinks it."""

    model = SocialIdentity
    extra = 0
    fields = ("provider", "email", "issuer", "subject", "created_at", "last_used_at")
    readonly_fields = fields
    verbose_name_plural = "linked identities (social login)"

    def has_add_permission(self, request, obj=None):
        return False


class SocialIdentitiesAdminMixin(admin.ModelAdmin):
    """For the user admin: the linked identities on the user's page, and the users list searchable
    by an identity's subject or provider address, while ``SOCIAL_LOGIN`` is on.
    """

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if token_settings.SOCIAL_LOGIN and obj is not None:
            inlines.append(SocialIdentityInline)
        return inlines

    def get_search_fields(self, request):
        fields = tuple(super().get_search_fields(request))
        if token_settings.SOCIAL_LOGIN:
            fields += ("social_identities__subject", "social_identities__email")
        return fields
