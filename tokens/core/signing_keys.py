"""Access token keys: the key that signs, the keys that verify, their rotation and the JWKS.

With HS256 there is one key, ``ACCESS_SIGNING_KEY``, and nothing to publish. With RS256, ES256
or EdDSA the private keys are PEM files in ``SIGNING_KEYS_DIR``, listed in its manifest with
when each was created and retired (``manage.py signing_keys``), plus optionally one key from
``ACCESS_PRIVATE_KEY``. The newest active key signs; a retired key keeps verifying for
``ACCESS_TOKEN_LIFETIME`` after its retirement, so every token it signed expires first. Each
key is named by its RFC 7638 thumbprint, the ``kid`` header of every token it signs, and
verification picks the key by that ``kid`` only.
"""

import base64
import contextlib
import fcntl
import hashlib
import json
import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.core.exceptions import ImproperlyConfigured
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from rest_framework_simplejwt.exceptions import TokenBackendError

from tokens.conf import token_settings
from tokens.core import clock, jws

HS256 = "HS256"
# Asymmetric algorithms: the private key type each needs and its JWK serializer.
ASYMMETRIC: dict[str, tuple[type, Any]] = {
    "RS256": (rsa.RSAPrivateKey, RSAAlgorithm),
    "ES256": (ec.EllipticCurvePrivateKey, ECAlgorithm),
    "EdDSA": (ed25519.Ed25519PrivateKey, OKPAlgorithm),
}
# The manifest in the key directory: one entry per key, ``{kid, algorithm, created_at,
# retired_at}``.
MANIFEST = "manifest.json"
# The JWK members a thumbprint covers, per key type (RFC 7638 section 3.2).
THUMBPRINT_MEMBERS = {
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
}


class SigningKeyError(Exception):
    """The key directory cannot do what was asked (no key yet, one already active, a bad file)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    """One access token key: its ``kid``, algorithm, private key (or secret) and lifetime marks."""

    kid: str
    algorithm: str
    key: Any
    created_at: int = 0
    retired_at: int | None = None

    @property
    def verifying_key(self):
        return self.key if self.algorithm == HS256 else self.key.public_key()

    def verifies_at(self, now: int) -> bool:
        """True until ``ACCESS_TOKEN_LIFETIME`` after retirement: no token it signed lives on."""
        return (
            self.retired_at is None or now < self.retired_at + token_settings.ACCESS_TOKEN_LIFETIME
        )

    def public_jwk(self) -> dict:
        jwk = ASYMMETRIC[self.algorithm][1].to_jwk(self.verifying_key, as_dict=True)
        return {**jwk, "kid": self.kid, "alg": self.algorithm, "use": "sig"}


def thumbprint(public_key, algorithm: str) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key."""
    jwk = ASYMMETRIC[algorithm][1].to_jwk(public_key, as_dict=True)
    members = {name: jwk[name] for name in THUMBPRINT_MEMBERS[jwk["kty"]]}
    return _b64(
        hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    )


def load_private_key(
    pem: bytes | str, algorithm: str, *, created_at: int = 0, retired_at=None
) -> SigningKey:
    """A ``SigningKey`` from a PEM private key, which must suit ``algorithm``."""
    pem = pem.encode() if isinstance(pem, str) else pem
    try:
        private_key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"not an unencrypted PEM private key: {exc}") from exc
    key_type = ASYMMETRIC[algorithm][0]
    if not isinstance(private_key, key_type):
        raise SigningKeyError(f"a {type(private_key).__name__} cannot sign {algorithm}")
    if isinstance(private_key, ec.EllipticCurvePrivateKey) and not isinstance(
        private_key.curve, ec.SECP256R1
    ):
        raise SigningKeyError("ES256 needs a P-256 key")
    kid = thumbprint(private_key.public_key(), algorithm)
    return SigningKey(kid, algorithm, private_key, created_at, retired_at)


def generate_private_key(algorithm: str) -> Any:
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise SigningKeyError(
        f"{algorithm} has no key pair to generate (HS256 uses ACCESS_SIGNING_KEY)"
    )


def to_pem(private_key) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


# The key ring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRing:
    """The keys of the configured algorithm, newest first."""

    algorithm: str
    keys: tuple[SigningKey, ...]

    def active_key(self) -> SigningKey | None:
        """The newest active key of the configured algorithm, if there is one."""
        return next(
            (
                key
                for key in self.keys
                if key.retired_at is None and key.algorithm == self.algorithm
            ),
            None,
        )

    def signing_key(self) -> SigningKey:
        key = self.active_key()
        if key is None:
            raise ImproperlyConfigured(
                f"no active {self.algorithm} signing key: run `python manage.py signing_keys "
                "generate` "
                f"or set ACCESS_PRIVATE_KEY"
            )
        return key

    def verification_keys(self) -> list[SigningKey]:
        now = clock.now()
        return [key for key in self.keys if key.verifies_at(now)]

    def find(self, kid) -> SigningKey | None:
        """The key named ``kid``; with HS256 (one key, no rotation) a token without ``kid`` gets it
        too.
        """
        keys = self.verification_keys()
        if kid is None and self.algorithm == HS256:
            return keys[0]
        return next((key for key in keys if key.kid == kid), None)

    def jwks(self) -> dict:
        """The JSON Web Key Set of every key that verifies now: public keys only, none for HS256."""
        return {
            "keys": [key.public_jwk() for key in self.verification_keys() if key.algorithm != HS256]
        }

    @property
    def backend(self) -> "KeyRingBackend":
        return KeyRingBackend(self)


class KeyRingBackend:
    """simplejwt's backend interface for access tokens: sign with ``kid``, verify by ``kid``.

    Like ``tokens.core.tokens.SignatureBackend`` it checks signature and algorithm only; claims and
    expiry are checked by the token class against ``tokens.core.clock``.
    """

    def __init__(self, ring: KeyRing):
        self.ring = ring

    def encode(self, payload: dict) -> str:
        key = self.ring.signing_key()
        return jws.encode(payload, key.key, key.algorithm, headers={"kid": key.kid})

    def decode(self, token, verify: bool = True) -> dict:
        key: SigningKey | None
        if self.ring.algorithm == HS256:
            # One secret, never rotated: no need to parse the header for its kid first (a token
            # this secret verifies was signed with it, and only this service holds it).
            key = self.ring.verification_keys()[0]
        else:
            try:
                kid = jwt.get_unverified_header(token).get("kid")
            except jwt.InvalidTokenError as exc:
                raise TokenBackendError("Token is invalid") from exc
            key = self.ring.find(kid) if kid is None or isinstance(kid, str) else None
        if key is None:
            raise TokenBackendError("unknown signing key")
        return decode_signed(token, key.verifying_key, key.algorithm, verify)


def decode_signed(token, key, algorithm: str, verify: bool = True) -> dict:
    """The payload of ``token`` once its signature by ``key`` with ``algorithm`` is verified.

    Nothing else is checked here (PyJWT's signature check alone, ``tokens.core.jws``): claims and
    expiry are the token class's, against ``tokens.core.clock`` (PyJWT's would read the wall
    clock).
    """
    try:
        return jws.decode(token, key, algorithm, verify)
    except jwt.InvalidTokenError as exc:
        raise TokenBackendError("Token is invalid") from exc


def keyring() -> KeyRing:
    """The configured key ring, reloaded whenever the key directory's manifest changes."""
    algorithm = token_settings.ACCESS_ALGORITHM
    if algorithm == HS256:
        return _hmac_ring(token_settings.ACCESS_SIGNING_KEY)
    if algorithm not in ASYMMETRIC:
        raise ImproperlyConfigured(
            f"ACCESS_ALGORITHM {algorithm!r} is not one of HS256, {', '.join(ASYMMETRIC)}"
        )
    directory = token_settings.SIGNING_KEYS_DIR
    return _asymmetric_ring(
        algorithm,
        token_settings.ACCESS_PRIVATE_KEY or "",
        directory or "",
        _stamp(Path(directory) / MANIFEST) if directory else None,
    )


@lru_cache(maxsize=4)
def _hmac_ring(secret: str) -> KeyRing:
    kid = "hs-" + _b64(hashlib.sha256(b"access-token-kid:" + secret.encode()).digest()[:12])
    return KeyRing(HS256, (SigningKey(kid, HS256, secret),))


def _stamp(path: Path):
    """What changes whenever the manifest is replaced (it is written by rename)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=8)
def _asymmetric_ring(algorithm: str, environment_pem: str, directory: str, stamp) -> KeyRing:
    keys = KeyDirectory(directory).load() if directory and stamp else []
    if environment_pem:
        try:
            keys.insert(0, load_private_key(environment_pem, algorithm))
        except SigningKeyError as exc:
            raise ImproperlyConfigured(f"ACCESS_PRIVATE_KEY: {exc}") from exc
    return KeyRing(algorithm, tuple(keys))


# The key directory ----------------------------------------------------------------------------


class KeyDirectory:
    """PEM private keys named ``<kid>.pem`` and a manifest, written by ``signing_keys``."""

    def __init__(self, path):
        self.path = Path(path)

    def entries(self) -> list[dict]:
        try:
            return json.loads((self.path / MANIFEST).read_text())["keys"]
        except FileNotFoundError:
            return []
        except (ValueError, KeyError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"{self.path / MANIFEST} is not a signing key manifest"
            ) from exc

    def load(self) -> list[SigningKey]:
        """Every key of the manifest, newest first."""
        keys = []
        for entry in sorted(self.entries(), key=lambda entry: entry["created_at"], reverse=True):
            try:
                key = load_private_key(
                    (self.path / f"{entry['kid']}.pem").read_bytes(),
                    entry["algorithm"],
                    created_at=entry["created_at"],
                    retired_at=entry["retired_at"],
                )
            except (OSError, SigningKeyError) as exc:
                raise ImproperlyConfigured(
                    f"signing key {entry['kid']} in {self.path}: {exc}"
                ) from exc
            keys.append(key)
        return keys

    def generate(self, algorithm: str) -> SigningKey:
        """Add the first active key; refuse when one is active already (that is ``rotate``)."""
        with self._locked():
            if any(key.retired_at is None for key in self.load()):
                raise SigningKeyError(
                    f"{self.path} already has an active key: use `rotate` to replace it"
                )
            return self._add(algorithm, self.load())

    def rotate(self, algorithm: str) -> tuple[SigningKey, list[SigningKey]]:
        """Add a new active key, retire the others now, drop those past their verification window.

        Returns the new key and the keys dropped.
        """
        with self._locked():
            now = clock.now()
            kept: list[SigningKey] = []
            dropped: list[SigningKey] = []
            for key in self.load():
                key = key if key.retired_at is not None else replace(key, retired_at=now)
                (kept if key.verifies_at(now) else dropped).append(key)
            new = self._add(algorithm, kept)
            for key in dropped:
                (self.path / f"{key.kid}.pem").unlink(missing_ok=True)
            return new, dropped

    def _add(self, algorithm: str, existing: list[SigningKey]) -> SigningKey:
        private_key = generate_private_key(algorithm)
        new = load_private_key(to_pem(private_key), algorithm, created_at=clock.now())
        pem_path = self.path / f"{new.kid}.pem"
        descriptor = os.open(pem_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as pem_file:
            pem_file.write(to_pem(private_key))
        self._write_manifest([new, *existing])
        return new

    def _write_manifest(self, keys: list[SigningKey]) -> None:
        entries = [
            {
                "kid": key.kid,
                "algorithm": key.algorithm,
                "created_at": key.created_at,
                "retired_at": key.retired_at,
            }
            for key in keys
        ]
        temporary = self.path / f".{MANIFEST}.tmp"
        temporary.write_text(json.dumps({"keys": entries}, indent=2) + "\n")
        # A rename: readers see the old manifest or the new one, never half of one.
        os.replace(temporary, self.path / MANIFEST)

    @contextlib.contextmanager
    def _locked(self):
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.path / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
