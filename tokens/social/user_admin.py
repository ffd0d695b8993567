"""The linked identities on the user admin's page (a mixin the project's user admin takes): a
read-only section, so the change form's fields stay what they were. The model is only queried while
``SOCIAL_LOGIN`` is on, so a project without ``tokens.social`` can keep the mixin.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tokens.conf import token_settings
from tokens.social.models import SocialIdentity

SECTION = "linked_identities"


class SocialIdentitiesAdminMixin(admin.ModelAdmin):
    """For the user admin: the user's linked identities as a section of their page (each a link to
    its row, where it can be removed), and the users list searchable by an identity's subject or
    provider address, while ``SOCIAL_LOGIN`` is on.
    """

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if token_settings.SOCIAL_LOGIN and obj is not None:
            fieldsets.append((_("Social login"), {"fields": (SECTION,)}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, SECTION) if token_settings.SOCIAL_LOGIN and obj is not None else fields

    @admin.display(description=_("linked identities"))
    def linked_identities(self, user):
        rows = SocialIdentity.objects.filter(user_id=user.pk).order_by("created_at")
        if not rows:
            return gettext("none")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                # A row of the list: the provider's id, the subject, the issuer, the address.
                gettext('<li><a href="{}">{}</a>: {} at {} ({})</li>'),
                (
                    (
                        reverse("admin:tokens_social_socialidentity_change", args=[row.pk]),
                        row.provider,
                        row.subject,
                        row.issuer,
                        row.email or gettext("no address"),
                    )
                    for row in rows
                ),
            ),
        )

    def get_search_fields(self, request):
        fields = tuple(super().get_search_fields(request))
        if token_settings.SOCIAL_LOGIN:
            fields += ("social_identities__subject", "social_identities__email")
        return fields
