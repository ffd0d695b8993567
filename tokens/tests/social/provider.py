"""A small, real OpenID Connect provider for the tests (not a test module): discovery, a key set
with rotatable RSA and EC keys, an authorization endpoint that records the request and sends the
browser back with a code for the identity the test chose, a token endpoint that checks the client's
credentials and the PKCE verifier against the challenge before it signs an ID token, userinfo; and
GitHub's two user APIs, for the ``github`` preset.

It runs in a thread on a loopback port (``http`` is allowed there) and answers over real HTTP.
"""

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, OctKey, RSAKey

CLIENT_ID, CLIENT_SECRET = "web-client", "client-secret-1"
FIXTURES = Path(__file__).parent / "fixtures"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Provider:
    """The provider's state, which the tests read and change between requests."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.provider = self  # type: ignore[attr-defined]
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        # What discovery names as the issuer (a mix-up test changes it).
        self.discovery_issuer = self.issuer
        self.algorithms = ["RS256", "ES256"]
        self.keys = [RSAKey.generate_key(2048, parameters={"kid": "rsa-1"}, private=True)]
        self.signing_key: Any = self.keys[0]
        # The identity the next authorization logs in, and claims/header changes of its ID token.
        self.identity: dict[str, Any] = {"sub": "user-1", "email": "alice@example.com"}
        self.identity["email_verified"] = True
        self.claims: dict[str, Any] = {}
        # The provider's clock (a test's frozen clock, so the server's and its agree).
        self.now: Any = time.time
        self.header: dict[str, Any] = {}
        # An ID token the test makes itself (alg none, HS256, a tampered one), given as is.
        self.raw_id_token: str | None = None
        self.send_iss: str | None = None
        self.error: str | None = None
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self.jwks_fetches = 0
        self.discovery_fetches = 0
        self.codes: dict[str, dict[str, Any]] = {}
        # GitHub's APIs: the user and its addresses.
        self.github_user: dict[str, Any] = {"id": 4242, "login": "octo", "name": "Octo Cat"}
        self.github_emails: list[dict[str, Any]] = [
            {"email": "octo@example.com", "primary": True, "verified": True}
        ]
        # Apple's client secret: an ES256 JWT, checked with this public key when set.
        self.client_secret_key: ECKey | None = None
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "Provider":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def settings(self, **extra: Any) -> dict[str, Any]:
        """``TOKENS["SOCIAL_PROVIDERS"]`` entry for this provider."""
        return {
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "name": "Test IdP",
            "trust_email": True,
            **extra,
        }

    def github_settings(self, **extra: Any) -> dict[str, Any]:
        return {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "authorize_url": f"{self.issuer}/login/oauth/authorize",
            "token_url": f"{self.issuer}/login/oauth/access_token",
            "api_url": f"{self.issuer}/api",
            **extra,
        }

    def rotate(self, kind: str = "rsa") -> Any:
        """A new signing key, published from now on in place of the old ones."""
        kid = f"{kind}-{secrets.token_hex(4)}"
        if kind == "ec":
            key: Any = ECKey.generate_key("P-256", parameters={"kid": kid}, private=True)
        else:
            key = RSAKey.generate_key(2048, parameters={"kid": kid}, private=True)
        self.keys, self.signing_key = [key], key
        return key

    def id_token(self, request: dict[str, str], now: int | None = None) -> str:
        if self.raw_id_token is not None:
            return self.raw_id_token
        now = int(self.now()) if now is None else now
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            **self.identity,
        }
        if request.get("nonce"):
            claims["nonce"] = request["nonce"]
        claims.update(self.claims)
        claims = {k: v for k, v in claims.items() if v is not None}
        alg = "ES256" if isinstance(self.signing_key, ECKey) else "RS256"
        header = {"alg": alg, "kid": self.signing_key.kid, **self.header}
        header = {k: v for k, v in header.items() if v is not None}
        return jwt.encode(header, claims, self.signing_key, algorithms=[header["alg"]])

    def sign(self, claims: dict[str, Any], **header: Any) -> str:
        """An ID token signed with the current key (native apps' tokens)."""
        header = {"alg": "RS256", "kid": self.signing_key.kid, **header}
        return jwt.encode(header, claims, self.signing_key, algorithms=[header["alg"]])

    def native_claims(self, nonce: str, **extra: Any) -> dict[str, Any]:
        now = int(self.now())
        return {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **self.identity,
            **extra,
        }

    @staticmethod
    def unsigned(claims: dict[str, Any]) -> str:
        """``alg: none``: no signature at all."""
        header = b64(json.dumps({"alg": "none"}).encode())
        return f"{header}.{b64(json.dumps(claims).encode())}."

    @staticmethod
    def hmac_signed(claims: dict[str, Any], secret: str = CLIENT_SECRET) -> str:
        """HS256 with the client secret: a token anybody who knows the secret could make."""
        key = OctKey.import_key(secret.encode())
        return jwt.encode({"alg": "HS256"}, claims, key, algorithms=["HS256"])


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, *args: Any) -> None:
        pass

    @property
    def provider(self) -> Provider:
        return self.server.provider

    def send_json(self, body: Any, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, url: str) -> None:
        self.send_response(302)
        self.send_header("Location", url)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        p = self.provider
        if parts.path == "/.well-known/openid-configuration":
            p.discovery_fetches += 1
            self.send_json(
                {
                    "issuer": p.discovery_issuer,
                    "authorization_endpoint": f"{p.issuer}/authorize",
                    "token_endpoint": f"{p.issuer}/token",
                    "userinfo_endpoint": f"{p.issuer}/userinfo",
                    "jwks_uri": f"{p.issuer}/jwks",
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": p.algorithms,
                    "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                    "code_challenge_methods_supported": ["S256"],
                    "authorization_response_iss_parameter_supported": True,
                }
            )
        elif parts.path == "/jwks":
            p.jwks_fetches += 1
            self.send_json(KeySet(p.keys).as_dict(private=False))
        elif parts.path in ("/authorize", "/login/oauth/authorize"):
            self.authorize(query)
        elif parts.path.startswith("/recorded/"):
            name = parts.path.removeprefix("/recorded/")
            self.send_json(json.loads((FIXTURES / name).read_text()))
        elif parts.path == "/userinfo":
            self.send_json(p.identity)
        elif parts.path == "/api/user" and self.bearer_ok():
            self.send_json(p.github_user)
        elif parts.path == "/api/user/emails" and self.bearer_ok():
            self.send_json(p.github_emails)
        else:
            self.send_json({"error": "not_found"}, 404)

    def bearer_ok(self) -> bool:
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        return any(entry.get("access_token") == token for entry in self.provider.codes.values())

    def secret_ok(self, secret: str | None) -> bool:
        key = self.provider.client_secret_key
        if key is None:
            return secret == CLIENT_SECRET
        try:
            token = jwt.decode(secret or "", key, algorithms=["ES256"])
        except (JoseError, ValueError):
            return False
        return token.claims.get("sub") == CLIENT_ID and token.claims.get("exp", 0) > time.time()

    def authorize(self, query: dict[str, str]) -> None:
        p = self.provider
        p.authorize_requests.append(query)
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            self.send_json({"error": "invalid_request"}, 400)
            return
        redirect_uri = query["redirect_uri"]
        if p.error:
            self.redirect(
                f"{redirect_uri}?{urlencode({'error': p.error, 'state': query['state']})}"
            )
            return
        code = secrets.token_urlsafe(16)
        p.codes[code] = {"request": query, "access_token": secrets.token_urlsafe(16)}
        answer = {"code": code, "state": query["state"]}
        if p.send_iss is not None:
            answer["iss"] = p.send_iss
        if query.get("response_mode") != "form_post":
            self.redirect(f"{redirect_uri}?{urlencode(answer)}")
            return
        # Apple's first consent also posts the name, which its ID token never carries.
        answer["user"] = json.dumps({"name": {"firstName": "Ada", "lastName": "Lovelace"}})
        inputs = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
            for name, value in answer.items()
        )
        page = f'<form method="post" action="{html.escape(redirect_uri)}">{inputs}</form>'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        p = self.provider
        p.token_requests.append(form)
        if parts.path not in ("/token", "/login/oauth/access_token"):
            self.send_json({"error": "not_found"}, 404)
            return
        client_id, secret = form.get("client_id"), form.get("client_secret")
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        if client_id != CLIENT_ID or not self.secret_ok(secret):
            self.send_json({"error": "invalid_client"}, 401)
            return
        entry = p.codes.pop(form.get("code", ""), None)
        if entry is None or form.get("grant_type") != "authorization_code":
            self.send_json({"error": "invalid_grant"}, 400)
            return
        request = entry["request"]
        challenge = b64(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
        if (
            request.get("code_challenge_method") != "S256"
            or challenge != request.get("code_challenge")
            or form.get("redirect_uri") != request.get("redirect_uri")
        ):
            self.send_json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
            return
        # The GitHub fake keeps the access token for its APIs.
        p.codes[f"used-{entry['access_token']}"] = entry
        body = {"access_token": entry["access_token"], "token_type": "Bearer", "expires_in": 300}
        if parts.path == "/token":
            body["id_token"] = p.id_token(request)
        self.send_json(body)
