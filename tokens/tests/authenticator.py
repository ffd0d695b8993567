"""A software WebAuthn authenticator for the tests: what a browser and a platform authenticator
hand the server, built with ``cryptography`` and py_webauthn's CBOR helper (not a test module).

It answers the JSON options of the API as ``PublicKeyCredential.toJSON()`` would: ES256 keys, the
``none`` attestation, discoverable credentials with user verification.
"""

import hashlib
import json
import os
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url, encode_cbor

# Authenticator data flags (WebAuthn §6.1): user present, user verified, attested credential data.
UP, UV, AT = 0x01, 0x04, 0x40


class Credential:
    def __init__(self, rp_id: str, user_handle: str):
        self.id = os.urandom(32)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.rp_id, self.user_handle, self.sign_count = rp_id, user_handle, 0

    def cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return encode_cbor(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )


class SoftAuthenticator:
    """Holds credentials; ``create`` and ``get`` answer creation and request options."""

    def __init__(self, origin: str = "http://testserver"):
        self.origin = origin
        self.credentials: list[Credential] = []

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {
                "type": kind,
                "challenge": challenge,
                "origin": origin or self.origin,
                "crossOrigin": False,
            }
        ).encode()

    def create(self, options: dict, origin: str | None = None) -> dict:
        """``navigator.credentials.create()``, in the form of ``toJSON()``."""
        public_key = options["publicKey"]
        credential = Credential(public_key["rp"]["id"], public_key["user"]["id"])
        self.credentials.append(credential)
        client_data = self._client_data("webauthn.create", public_key["challenge"], origin)
        auth_data = (
            hashlib.sha256(credential.rp_id.encode()).digest()
            + bytes([UP | UV | AT])
            + struct.pack(">I", credential.sign_count)
            + bytes(16)  # AAGUID: none given
            + struct.pack(">H", len(credential.id))
            + credential.id
            + credential.cose_key()
        )
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": bytes_to_base64url(credential.id),
            "rawId": bytes_to_base64url(credential.id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["internal"],
            },
        }

    def get(
        self,
        options: dict,
        credential: Credential | None = None,
        user_verified: bool = True,
        origin: str | None = None,
    ) -> dict:
        """``navigator.credentials.get()`` for ``{"publicKey": ...}``: an assertion of
        ``credential`` (default: the first allowed one, or the first held).
        """
        public_key = options["publicKey"]
        if credential is None:
            allowed = {item["id"] for item in public_key.get("allowCredentials") or []}
            credential = next(
                c for c in self.credentials if not allowed or bytes_to_base64url(c.id) in allowed
            )
        credential.sign_count += 1
        client_data = self._client_data("webauthn.get", public_key["challenge"], origin)
        auth_data = (
            hashlib.sha256(public_key["rpId"].encode()).digest()
            + bytes([UP | (UV if user_verified else 0)])
            + struct.pack(">I", credential.sign_count)
        )
        signature = credential.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": bytes_to_base64url(credential.id),
            "rawId": bytes_to_base64url(credential.id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature),
                "userHandle": credential.user_handle,
            },
        }
