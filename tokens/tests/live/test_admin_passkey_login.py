"""Staff sign in to the Django admin with a passkey, in Chromium with DevTools' virtual
authenticator: the admin's login page asks for any discoverable passkey and the admin's passkey
view runs the answer through the login stages before Django's session opens. A user who is not
staff gets no session that way.
"""

from unittest import skipUnless

from django.contrib.sessions.models import Session as DjangoSession

from tokens.mfa.models import Passkey
from tokens.tests.chromium import ARTIFACTS, BrowserTestCase, requires_chromium
from tokens.tests.support import PASSWORD, login_name, make_user, uses_accounts, without_rate_limits

# A passkey registered through the API (the account page's ceremony, without the page).
REGISTER = """
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
  const body = {credential: created.toJSON(), name: "Chromium"};
  return (await post("mfa/passkeys/", body, token)).status;
}
"""


@skipUnless(uses_accounts(), "written for the project's own user model (accounts.User)")
@requires_chromium
@without_rate_limits()
class AdminPasskeyLoginTests(BrowserTestCase):
    def page_with_passkey(self, username: str):
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
                    "automaticPresenceSimulation": True,
                }
            },
        )
        self.assertEqual(page.evaluate(REGISTER, [login_name(username), PASSWORD]), 201)
        self.assertTrue(Passkey.objects.filter(user__username=username).exists())
        return page

    def test_staff_sign_in_with_a_passkey(self):
        make_user("root", is_staff=True, is_superuser=True)
        page = self.page_with_passkey("root")
        page.goto(self.live_server_url + "/admin/login/?next=/admin/tokens/session/")
        page.wait_for_selector("#admin-passkey:not([hidden])")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "admin-login-passkey.png"))
        page.click("#admin-passkey-button")
        page.wait_for_url("**/admin/tokens/session/")
        page.wait_for_selector("#changelist")
        self.assertEqual(DjangoSession.objects.count(), 1)

    def test_a_user_who_is_not_staff_gets_no_session(self):
        make_user("carol")
        page = self.page_with_passkey("carol")
        page.goto(self.live_server_url + "/admin/login/?next=/admin/")
        page.click("#admin-passkey-button")
        page.wait_for_selector("#admin-passkey-error:not([hidden])")
        self.assertIn("/admin/login/", page.url)
        self.assertEqual(DjangoSession.objects.count(), 0)
