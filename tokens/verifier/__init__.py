"""Verify this service's access tokens from another service: PyJWT and the JWKS, no Django.

Copy this package (or import it) into a microservice::

    from tokens.verifier import AccessTokenVerifier, InvalidToken

    verifier = AccessTokenVerifier(
        "https://auth.example.com/.well-known/jwks.json",
        issuer="https://auth.example.com",   # the issuer's ISSUER and AUDIENCE settings, if set
        audience="billing",
    )
    try:
        claims = verifier.verify(bearer_token)   # {"sub", "sid", "username", "exp", ...}
    except InvalidToken as exc:
        ...                                      # 401, with exc.code

Only access tokens signed by a key the JWKS publishes pass: refresh tokens, tokens signed by
any other key or with another algorithm, expired ones, and those of another issuer or audience
(when given) are refused. A token that names an audience is refused by a verifier given none.
The check is stateless: a logged-out session's access token passes until it expires
(``ACCESS_TOKEN_LIFETIME``); a service that must know at once asks the introspection endpoint
(RFC 7662) instead.
"""

import jwt

# The asymmetric algorithms the issuer may use; never HS256 (a JWKS holds no shared secrets).
ALGORITHMS = ("RS256", "ES256", "EdDSA")
# Claims every access token carries.
REQUIRED_CLAIMS = ("token_type", "sub", "sid", "jti", "iat", "exp", "username")


class InvalidToken(Exception):
    """The token is not a live access token of the issuer; ``code`` says why, like the issuer."""

    def __init__(self, message: str, code: str = "token_invalid"):
        super().__init__(message)
        self.code = code


class AccessTokenVerifier:
    """Checks signature (key by ``kid`` from the issuer's JWKS), algorithm, type and expiry."""

    def __init__(
        self,
        jwks_url: str,
        *,
        leeway: float = 0,
        cache_seconds: int = 300,
        refetch_cooldown: float = 5,
        timeout: float = 5,
        issuer: str | None = None,
        audience: str | None = None,
    ):
        # PyJWKClient caches the key set and fetches it again when it meets an unknown kid (a
        # rotation
        # signs with the new key at once), at most once per ``refetch_cooldown`` seconds.
        self.jwks = jwt.PyJWKClient(
            jwks_url,
            cache_keys=True,
            lifespan=cache_seconds,
            cooldown_duration=refetch_cooldown,
            timeout=timeout,
        )
        self.leeway = leeway
        self.issuer, self.audience = issuer, audience

    def verify(self, token: str) -> dict:
        """Return the claims of a valid access token; raise ``InvalidToken`` otherwise."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") not in ALGORITHMS or not isinstance(header.get("kid"), str):
                raise InvalidToken("not signed with a published asymmetric key")
            key = self.jwks.get_signing_key(header["kid"])
            required = [*REQUIRED_CLAIMS, *(["iss"] if self.issuer else [])]
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[key.algorithm_name] if key.algorithm_name in ALGORITHMS else [],
                leeway=self.leeway,
                issuer=self.issuer,
                audience=self.audience,
                options={"require": [*required, *(["aud"] if self.audience else [])]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired", "token_expired") from exc
        except (jwt.PyJWKClientError, jwt.InvalidTokenError) as exc:
            raise InvalidToken(str(exc)) from exc
        if claims["token_type"] != "access":
            raise InvalidToken("not an access token", "token_wrong_type")
        return claims
