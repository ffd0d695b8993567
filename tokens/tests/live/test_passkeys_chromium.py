"""Passkeys with a real browser: Chromium's virtual authenticator (DevTools' WebAuthn domain)
answers the API's options through ``parseCreationOptionsFromJSON`` / ``parseRequestOptionsFromJSON``
and sends ``toJSON()`` back, which py_webauthn verifies. Served on http://localhost, a secure
context whose host name is the relying party id.
"""

from tokens.mfa.models import Passkey
from tokens.tests.chromium import BrowserTestCase, requires_chromium
from tokens.tests.support import PASSWORD, login_name, make_user, without_rate_limits

CEREMONIES = """
async ([name, password]) => {
  const post = async (path, body, token) => {
    const headers = {"Content-Type": "application/json"};
    if (token) headers.Authorization = "Bearer " + token;
    const response = await fetch("/api/auth/" + path, {
      method: "POST", headers, body: JSON.stringify(body || {}), credentials: "omit",
    });
    return {status: response.status, body: await response.json()};
  };
  const token = (await post("login/", {username: name, password})).body.access_token;
  const creation = await post("mfa/passkeys/options/", null, token);
  const created = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(creation.body.publicKey),
  });
  const registered = await post(
    "mfa/passkeys/", {credential: created.toJSON(), name: "Chromium"}, token);

  const request = await post("login/passkey/options/");
  const asserted = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(request.body.publicKey),
  });
  const alone = await post(
    "login/passkey/", {challenge_id: request.body.challenge_id, credential: asserted.toJSON()});

  const step = await post("login/", {username: name, password});
  const second = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(step.body.passkey_options.publicKey),
  });
  const finished = await post(
    "login/mfa/", {mfa_token: step.body.mfa_token, credential: second.toJSON()});
  return {
    registered: registered.status,
    codes: (registered.body.recovery_codes || []).length,
    alone: [alone.status, alone.body.user && alone.body.user.username],
    step: [step.status, step.body.code, step.body.methods],
    finished: [finished.status, finished.body.user && finished.body.user.username],
  };
}
"""


@requires_chromium
@without_rate_limits()
class ChromiumPasskeyTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.user = make_user()

    def test_register_log_in_alone_and_as_a_second_factor(self):
        page = self.open("/healthz")
        devtools = self.context.new_cdp_session(page)
        devtools.send("WebAuthn.enable")
        devtools.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                }
            },
        )
        self.assertTrue(self.live_server_url.startswith("http://localhost:"))
        outcome = page.evaluate(CEREMONIES, [login_name("alice"), PASSWORD])
        username = self.user.get_username()
        self.assertEqual(outcome["registered"], 201, outcome)
        self.assertEqual(outcome["codes"], 10)
        self.assertEqual(outcome["alone"], [200, username])
        self.assertEqual(outcome["step"], [403, "mfa_required", ["recovery_code", "passkey"]])
        self.assertEqual(outcome["finished"], [200, username])
        passkey = Passkey.objects.get(user=self.user)
        self.assertEqual(passkey.transports, ["internal"])
        self.assertIsNotNone(passkey.last_used_at)
