import jwt
from django.test import SimpleTestCase

from tokens.core import jws

SECRET = "a-secret-of-enough-length-for-hs256-0123456789abcdef"
CLAIMS = {"sub": "1", "sid": "0b6e4c8e-7c1e-4b7e-9d51-1f2a3b4c5d6e", "jti": "a" * 32, "exp": 2}


def verdict(decode) -> object:
    try:
        return decode()
    except jwt.InvalidTokenError as exc:
        return type(exc)


class VerifierTests(SimpleTestCase):
    """``tokens.core.jws`` accepts and refuses exactly what PyJWT's ``jwt.decode`` does."""

    def assertSameVerdict(self, token, key=SECRET, algorithm="HS256"):
        ours = verdict(lambda: jws.decode(token, key, algorithm))
        pyjwt = verdict(
            lambda: jwt.decode(token, key, algorithms=[algorithm], options={"verify_exp": False})
        )
        self.assertEqual(ours, pyjwt, token)
        return ours

    def test_a_genuine_token(self):
        token = jwt.encode(CLAIMS, SECRET, algorithm="HS256", headers={"kid": "k"})
        self.assertEqual(self.assertSameVerdict(token), CLAIMS)

    def test_damaged_segments(self):
        header, payload, signature = jwt.encode(CLAIMS, SECRET, algorithm="HS256").split(".")
        samples = {
            "padded payload": f"{header}.{payload}=.{signature}",
            "padded signature": f"{header}.{payload}.{signature}=",
            "padding past the end": f"{header}.{payload}.{signature}==",
            "a character outside the alphabet": f"{header}!.{payload}.{signature}",
            "standard base64": f"{header}.{payload}.{signature.replace('-', '+')}+",
            "an impossible length": f"{header}.{payload}a.{signature}",
            "a non-canonical last character": f"{header}.{payload}.{signature[:-1]}"
            + ("B" if signature[-1] == "A" else "A"),
            "no signature": f"{header}.{payload}.",
            "two segments": f"{header}.{payload}",
        }
        for name, token in samples.items():
            with self.subTest(name):
                self.assertSameVerdict(token)

    def test_keys_and_algorithms(self):
        token = jwt.encode(CLAIMS, SECRET, algorithm="HS256")
        self.assertIs(self.assertSameVerdict(token, key=SECRET + "x"), jwt.InvalidSignatureError)
        self.assertIs(self.assertSameVerdict(token, algorithm="HS512"), jwt.InvalidAlgorithmError)
        pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0C\n-----END PUBLIC KEY-----"
        with self.assertRaises(jwt.InvalidKeyError):
            jws.decode(token, pem, "HS256")

    def test_signing_is_pyjwts_byte_for_byte(self):
        for headers in (None, {"kid": "k"}):
            with self.subTest(headers=headers):
                self.assertEqual(
                    jws.encode(CLAIMS, SECRET, "HS256", headers),
                    jwt.encode(CLAIMS, SECRET, algorithm="HS256", headers=headers),
                )
