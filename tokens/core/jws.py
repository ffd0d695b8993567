"""Signing and verifying JWTs with PyJWT, minus two costs per token that buy nothing the second
time.

PyJWT's ``jwt.encode`` and ``jwt.decode`` prepare the key on every call; for an HMAC secret that
means checking it is not a PEM, SSH, DER or JWK key (a defence against algorithm confusion), which
costs more than the signature itself. And decoding checks each segment's characters against the
base64url alphabet one by one in Python, some 350 generator steps for an access token. Here the
same PyJWT objects sign and verify, with two changes: an HMAC secret, once prepared (and so
checked), is remembered; a segment that is plain canonical base64url is recognised by one regular
expression, and any other is left to PyJWT's own check, so what is accepted and refused is exactly
what PyJWT accepts and refuses (its check of segments is PyJWT 2.15's, GHSA-hxm8-2xgr-2p9m,
hence the version the app requires). The claims are checked by ``tokens.core.tokens``.
"""

import json
import re
from functools import lru_cache
from typing import Any

import jwt
from jwt.algorithms import HMACAlgorithm
from jwt.utils import base64url_decode, base64url_encode

_BASE64URL = re.compile(rb"[A-Za-z0-9_-]*")


@lru_cache(maxsize=16)
def _prepared(hash_alg, key: str | bytes) -> bytes:
    return HMACAlgorithm(hash_alg).prepare_key(key)


class _KeyCheckedOnceHMAC(HMACAlgorithm):
    """PyJWT's HMAC algorithm; ``prepare_key`` runs PyJWT's checks once per secret."""

    def prepare_key(self, key: str | bytes) -> bytes:
        return _prepared(self.hash_alg, key)


class _JWS(jwt.PyJWS):
    @staticmethod
    def _decode_base64url_segment(segment: bytes, name: str) -> bytes:
        # Unpadded, in the alphabet, of a possible length and canonical: what PyJWT accepts
        # without padding, decoded as it decodes it. Anything else gets PyJWT's own verdict.
        if len(segment) % 4 != 1 and _BASE64URL.fullmatch(segment):
            decoded = base64url_decode(segment)
            if base64url_encode(decoded) == segment:
                return decoded
        return jwt.PyJWS._decode_base64url_segment(segment, name)


_VERIFIER = _JWS()
for _name, _hash in (
    ("HS256", HMACAlgorithm.SHA256),
    ("HS384", HMACAlgorithm.SHA384),
    ("HS512", HMACAlgorithm.SHA512),
):
    _VERIFIER.unregister_algorithm(_name)
    _VERIFIER.register_algorithm(_name, _KeyCheckedOnceHMAC(_hash))


def encode(claims: dict[str, Any], key: Any, algorithm: str, headers: dict | None = None) -> str:
    """``claims`` signed with ``key`` by ``algorithm``: what ``jwt.encode`` makes of a dict of
    JSON values, byte for byte.
    """
    payload = json.dumps(claims, separators=(",", ":")).encode()
    return _VERIFIER.encode(payload, key, algorithm, headers)


def decode(token: str | bytes, key: Any, algorithm: str, verify: bool = True) -> dict[str, Any]:
    """The claims of a JWS signed by ``key`` with ``algorithm``, or ``jwt.InvalidTokenError``."""
    decoded = _VERIFIER.decode_complete(
        token, key, algorithms=[algorithm], options={"verify_signature": verify}
    )
    try:
        claims = json.loads(decoded["payload"])
    except ValueError as exc:
        raise jwt.DecodeError(f"Invalid payload string: {exc}") from exc
    if not isinstance(claims, dict):
        raise jwt.DecodeError("Invalid payload string: must be a json object")
    return claims
