"""The app's URLs that live at the site's root by standard: include them at "" (RFC 8615
``/.well-known/``).
"""

from django.urls import path

from tokens.oauth import JWKSView

urlpatterns = [
    path(".well-known/jwks.json", JWKSView.as_view(), name="jwks"),
]
