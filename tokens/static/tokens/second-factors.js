/*
 * Second factors on the account page: the second step of a login (a code or a passkey after
 * ``mfa_required``), logging in with a passkey alone, the "Two-step verification" card (TOTP with
 * its QR code, passkeys, recovery codes shown once) and the re-authentication prompt that a
 * sensitive action's 403 ``reauthentication_required`` opens before the action is tried again,
 * and the enrolment a login answered 403 ``mfa_enrollment_required`` needs (``MFA_REQUIRED``).
 *
 * Passkeys use the browser's JSON forms of WebAuthn: ``PublicKeyCredential.parseCreationOptionsFromJSON``
 * and ``parseRequestOptionsFromJSON`` read the server's options, ``credential.toJSON()`` is the answer.
 */
(function (global) {
  "use strict";

  const $ = (id) => document.getElementById(id);

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** A failure of the browser's side of a passkey ceremony, as an error body for a form. */
  function passkeyError(error) {
    const detail = error && error.name === "NotAllowedError"
      ? "The passkey request was cancelled or timed out."
      : error && error.name === "InvalidStateError"
        ? "This authenticator already holds a passkey for your account."
        : "This browser could not use a passkey" + (error && error.message ? ": " + error.message : ".");
    return { ok: false, status: 0, body: { detail, code: "passkey_failed" } };
  }

  const supportsPasskeys = typeof PublicKeyCredential !== "undefined"
    && typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";

  /** The browser's credential for WebAuthn options (a login's request options, or a new
   * passkey's creation options), as JSON, or a failure result. */
  async function webauthn(parse, ceremony, options) {
    try {
      const publicKey = PublicKeyCredential[parse](options.publicKey);
      const credential = await navigator.credentials[ceremony]({ publicKey });
      return { ok: true, credential: credential.toJSON() };
    } catch (error) {
      return passkeyError(error);
    }
  }

  const assertion = (options) => webauthn("parseRequestOptionsFromJSON", "get", options);
  const attestation = (options) => webauthn("parseCreationOptionsFromJSON", "create", options);

  function attach({ client, forms, notify, log }) {
    const loginForm = $("login-form");
    const mfaForm = $("mfa-form");
    let state = null; // the user's factors, as mfa/ last answered
    let mfaChallenge = null; // the body of the last 403 mfa_required: mfa_token, methods, options

    const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

    /* ---- the second step of a login, and passkey logins ---- */

    function showLoginStep(challenge) {
      mfaChallenge = challenge;
      const methods = challenge.methods || [];
      const byCode = methods.includes("totp") || methods.includes("recovery_code");
      const byPasskey = methods.includes("passkey") && Boolean(challenge.passkey_options) && supportsPasskeys;
      forms.clear(mfaForm);
      $("mfa-code-field").hidden = !byCode;
      $("mfa-submit").hidden = !byCode;
      $("mfa-passkey").hidden = !byPasskey;
      $("mfa-hint").textContent = byCode
        ? "Enter the 6-digit code from your authenticator app, or one of your recovery codes."
          + (byPasskey ? " Or confirm with your passkey." : "")
        : "Confirm with your passkey.";
      loginForm.hidden = true;
      $("forgot-form").hidden = true;
      $("passkey-login-area").hidden = true;
      mfaForm.hidden = false;
      (byCode ? $("mfa-code") : $("mfa-passkey")).focus();
    }

    function leaveLoginStep() {
      mfaChallenge = null;
      mfaForm.reset();
      forms.clear(mfaForm);
      mfaForm.hidden = true;
      loginForm.hidden = false;
      $("passkey-login-area").hidden = !supportsPasskeys;
    }

    async function finishLoginStep(payload) {
      const result = await client.signIn("login/mfa/", { mfa_token: mfaChallenge.mfa_token, ...payload });
      if (result.ok) {
        log("logged in with a second factor");
        leaveLoginStep();
        return;
      }
      if (result.status === 401) {
        // The mfa_token is spent or expired: the password is needed again.
        leaveLoginStep();
        forms.show(loginForm, { detail: "That took too long: log in again.", code: "token_invalid" });
        return;
      }
      forms.show(mfaForm, result.body, { codeFields: { invalid_code: "code" } });
    }

    mfaForm.addEventListener("submit", (event) => {
      event.preventDefault();
      forms.busy(mfaForm, () => finishLoginStep({ code: $("mfa-code").value.trim() }));
    });

    $("mfa-passkey").addEventListener("click", () => forms.busy(mfaForm, async () => {
      const answer = await assertion(mfaChallenge.passkey_options);
      if (!answer.ok) return forms.show(mfaForm, answer.body);
      await finishLoginStep({ credential: answer.credential });
    }));

    $("mfa-cancel").addEventListener("click", leaveLoginStep);

    /** A passkey the browser lets the user pick (discoverable) for fresh login options: the
     * proof to send, or null with the error shown on ``form``. */
    async function pickedPasskey(form) {
      forms.clear(form);
      const options = await client.call("login/passkey/options/", { method: "POST", anonymous: true });
      const answer = options.ok ? await assertion(options.body) : options;
      if (!answer.ok) {
        forms.show(form, answer.body);
        return null;
      }
      return { challenge_id: options.body.challenge_id, credential: answer.credential };
    }

    $("passkey-login").addEventListener("click", () => forms.busy(loginForm, async () => {
      const proof = await pickedPasskey(loginForm);
      if (!proof) return;
      const result = await client.signIn("login/passkey/", proof);
      if (!result.ok) return forms.show(loginForm, result.body);
      log("logged in with a passkey");
    }));

    /* ---- a login held back until a first factor is enrolled (MFA_REQUIRED) ---- */

    const enrolForm = $("enrol-form");
    let enrollmentToken = null; // of the last 403 mfa_enrollment_required: the enrolment steps' Bearer

    function showEnrolmentStep(challenge) {
      enrollmentToken = challenge.enrollment_token;
      leaveEnrolmentTotp();
      forms.clear(enrolForm);
      $("enrol-passkey").hidden = !supportsPasskeys;
      loginForm.hidden = true;
      $("forgot-form").hidden = true;
      $("passkey-login-area").hidden = true;
      enrolForm.hidden = false;
      $("enrol-totp").focus();
    }

    function leaveEnrolmentTotp() {
      $("enrol-totp-step").hidden = true;
      $("enrol-choices").hidden = false;
      $("enrol-qr").removeAttribute("src");
      $("enrol-secret").textContent = "";
      $("enrol-code").value = "";
    }

    function leaveEnrolmentStep() {
      enrollmentToken = null;
      leaveEnrolmentTotp();
      forms.clear(enrolForm);
      enrolForm.hidden = true;
      loginForm.hidden = false;
      $("passkey-login-area").hidden = !supportsPasskeys;
    }

    /** A refusal of the enrolment's token (spent or expired): back to the password. */
    function enrolmentFailed(result, codeFields) {
      if (result.status === 401) {
        leaveEnrolmentStep();
        forms.show(loginForm, { detail: "That took too long: log in again.", code: "token_invalid" });
        return;
      }
      forms.show(enrolForm, result.body, { codeFields });
    }

    /** The enrolment step that completes the login: signed in, then the recovery codes, once. */
    async function finishEnrolment(path, payload, what) {
      const result = await client.signIn(path, payload, { bearer: enrollmentToken });
      if (!result.ok) return enrolmentFailed(result, { invalid_code: "code" });
      leaveEnrolmentStep();
      log("logged in, " + what + " set up as the second factor");
      notify("Your second factor is set up: logging in now asks for it.");
      if (result.body.recovery_codes) showRecoveryCodes(result.body.recovery_codes);
    }

    $("enrol-totp").addEventListener("click", () => forms.busy(enrolForm, async () => {
      forms.clear(enrolForm);
      const result = await client.call("mfa/totp/", { method: "POST", anonymous: true, bearer: enrollmentToken });
      if (!result.ok) return enrolmentFailed(result, {});
      $("enrol-qr").src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(result.body.qr_svg);
      $("enrol-secret").textContent = result.body.secret.replace(/(.{4})(?=.)/g, "$1 ");
      $("enrol-choices").hidden = true;
      $("enrol-totp-step").hidden = false;
      $("enrol-code").focus();
    }));

    enrolForm.addEventListener("submit", (event) => {
      event.preventDefault();
      forms.busy(enrolForm, () => finishEnrolment(
        "mfa/totp/confirm/", { code: $("enrol-code").value.trim() }, "an authenticator app"));
    });

    $("enrol-passkey").addEventListener("click", () => forms.busy(enrolForm, async () => {
      forms.clear(enrolForm);
      const options = await client.call("mfa/passkeys/options/", { method: "POST", anonymous: true, bearer: enrollmentToken });
      if (!options.ok) return enrolmentFailed(options, {});
      const answer = await attestation(options.body);
      if (!answer.ok) return forms.show(enrolForm, answer.body);
      await finishEnrolment("mfa/passkeys/", { credential: answer.credential, name: "Passkey" }, "a passkey");
    }));

    $("enrol-cancel").addEventListener("click", leaveEnrolmentStep);
    $("enrol-back").addEventListener("click", () => { forms.clear(enrolForm); leaveEnrolmentTotp(); });

    /* ---- re-authentication before a sensitive action ---- */

    const dialog = $("reauth-dialog");
    const reauthForm = $("reauth-form");
    let settle = null;

    function closeDialog(outcome) {
      if (dialog.open) dialog.close();
      if (settle) settle(outcome);
      settle = null;
    }

    let byCode = false; // the prompt asks for a code instead of the password

    function reauthMode(code) {
      byCode = code;
      $("reauth-password-field").hidden = code;
      $("reauth-code-field").hidden = !code;
      (code ? $("reauth-code") : $("reauth-password")).focus();
    }

    /** Ask for a credential as strong as the account: the password without a second factor; with
     * one, a code (app or recovery code) or a passkey, since the password alone no longer counts.
     * Resolves true once the session has a fresh ``auth_time``. The factors are read again first:
     * one may have been turned on elsewhere since the page last looked. */
    async function reauthenticate() {
      await load();
      reauthForm.reset();
      forms.clear(reauthForm);
      const byPasskey = Boolean(state && state.passkeys.length && supportsPasskeys);
      const withFactor = Boolean(state && (state.totp.enabled || state.passkeys.length));
      const codes = Boolean(state && (state.totp.enabled || state.recovery_codes.remaining));
      $("reauth-passkey").hidden = !byPasskey;
      $("reauth-submit").hidden = withFactor && !codes && byPasskey;
      dialog.showModal();
      reauthMode(withFactor);
      if (withFactor && !codes && byPasskey) {
        $("reauth-code-field").hidden = true;
        $("reauth-passkey").focus();
      }
      return await new Promise((resolve) => { settle = resolve; });
    }

    async function proveAgain(payload) {
      const result = await client.reauthenticate(payload);
      if (!result.ok) {
        return forms.show(reauthForm, result.body, {
          codeFields: { invalid_credentials: "password", invalid_code: byCode ? "code" : "password" },
        });
      }
      log("re-authenticated");
      closeDialog(true);
    }

    reauthForm.addEventListener("submit", (event) => {
      event.preventDefault();
      forms.busy(reauthForm, () => proveAgain(byCode
        ? { code: $("reauth-code").value.trim() }
        : { password: $("reauth-password").value }));
    });
    $("reauth-passkey").addEventListener("click", () => forms.busy(reauthForm, async () => {
      const proof = await pickedPasskey(reauthForm);
      if (proof) await proveAgain(proof);
    }));
    $("reauth-cancel").addEventListener("click", () => closeDialog(false));
    dialog.addEventListener("cancel", () => closeDialog(false));

    /** Run a signed-in call; if it needs a recent authentication, prompt for it and run it again. */
    async function withReauth(action) {
      const result = await action();
      if (result.status !== 403 || !result.body || result.body.code !== "reauthentication_required") return result;
      if (!(await reauthenticate())) return result;
      return action();
    }

    /* ---- the "Two-step verification" card ---- */

    function cardError(result) {
      $("mfa-error").textContent = result && !result.ok ? (result.body && result.body.detail) || "That did not work." : "";
    }

    function showRecoveryCodes(codes) {
      $("recovery-codes").replaceChildren(...codes.map((code) => element("li", "", code)));
      $("recovery-copied").textContent = "";
      $("recovery-panel").hidden = false;
      $("recovery-panel").focus();
    }

    $("recovery-copy").addEventListener("click", async () => {
      const codes = [...$("recovery-codes").children].map((item) => item.textContent).join("\n");
      try {
        await navigator.clipboard.writeText(codes);
        $("recovery-copied").textContent = "Copied.";
      } catch (error) {
        $("recovery-copied").textContent = "Copying is blocked here: select the codes and copy them.";
      }
    });

    $("recovery-done").addEventListener("click", () => {
      $("recovery-panel").hidden = true;
      $("recovery-codes").replaceChildren();
    });

    function passkeyItem(passkey) {
      const item = element("li", "item");
      item.dataset.passkeyId = passkey.id;
      const main = element("div", "item-main");
      const used = passkey.last_used_at ? "last used " + dateOnly.format(new Date(passkey.last_used_at)) : "not used yet";
      main.append(element("p", "item-title", passkey.name),
                  element("p", "meta", "Added " + dateOnly.format(new Date(passkey.created_at)) + " · " + used));
      const button = element("button", "button danger-outline small remove", "Remove");
      button.type = "button";
      button.setAttribute("aria-label", "Remove the passkey " + passkey.name);
      button.addEventListener("click", async () => {
        button.disabled = true;
        const result = await withReauth(() => client.call("mfa/passkeys/" + passkey.id + "/", { method: "DELETE" }));
        cardError(result);
        if (result.ok) log("removed the passkey " + passkey.name);
        load();
      });
      item.append(main, button);
      return item;
    }

    let loads = 0;

    async function load() {
      const request = ++loads;
      const result = await client.call("mfa/");
      if (!result.ok || request !== loads) return;
      state = result.body;
      const any = state.totp.enabled || state.passkeys.length > 0;
      $("totp-status").textContent = state.totp.enabled
        ? "On: logging in asks for a code from the app."
        : "Off.";
      $("totp-setup").hidden = state.totp.enabled || !$("totp-form").hidden;
      $("totp-disable").hidden = !state.totp.enabled;
      $("passkeys").replaceChildren(...state.passkeys.map(passkeyItem));
      $("recovery-status").textContent = any
        ? state.recovery_codes.remaining + " of 10 left."
        : "Made with your first second factor.";
      $("recovery-renew").hidden = !any;
      $("passkey-form").hidden = !supportsPasskeys;
    }

    $("totp-setup").addEventListener("click", async () => {
      $("totp-setup").disabled = true;
      const result = await withReauth(() => client.call("mfa/totp/", { method: "POST" }));
      $("totp-setup").disabled = false;
      cardError(result);
      if (!result.ok) return;
      $("totp-qr").src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(result.body.qr_svg);
      $("totp-secret").textContent = result.body.secret.replace(/(.{4})(?=.)/g, "$1 ");
      $("totp-form").hidden = false;
      $("totp-setup").hidden = true;
      $("totp-code").focus();
    });

    function closeTotpForm() {
      $("totp-form").reset();
      forms.clear($("totp-form"));
      $("totp-form").hidden = true;
      $("totp-qr").removeAttribute("src");
      $("totp-secret").textContent = "";
    }

    $("totp-cancel").addEventListener("click", () => { closeTotpForm(); load(); });

    $("totp-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = event.currentTarget;
      forms.busy(form, async () => {
        const result = await client.call("mfa/totp/confirm/", { method: "POST", body: { code: $("totp-code").value.trim() } });
        if (!result.ok) return forms.show(form, result.body, { codeFields: { invalid_code: "code" } });
        closeTotpForm();
        notify("Your authenticator app is set up: logging in now asks for one of its codes.");
        log("authenticator app turned on");
        if (result.body && result.body.recovery_codes) showRecoveryCodes(result.body.recovery_codes);
        load();
      });
    });

    // A button whose action needs a recent authentication: disabled while it runs, its error on
    // the card, the factors read again after it.
    function reauthButton(id, path, done) {
      $(id).addEventListener("click", async () => {
        $(id).disabled = true;
        const result = await withReauth(() => client.call(path.url, { method: path.method }));
        $(id).disabled = false;
        cardError(result);
        if (result.ok) done(result.body);
        load();
      });
    }

    reauthButton("totp-disable", { url: "mfa/totp/", method: "DELETE" }, () => log("authenticator app turned off"));

    $("passkey-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = event.currentTarget;
      forms.busy(form, async () => {
        forms.clear(form);
        const name = $("passkey-name").value.trim();
        if (!name) return forms.show(form, { name: ["Give the passkey a name, so you can tell it apart later."] });
        const options = await withReauth(() => client.call("mfa/passkeys/options/", { method: "POST" }));
        if (!options.ok) return forms.show(form, options.body);
        const answer = await attestation(options.body);
        if (!answer.ok) return forms.show(form, answer.body);
        const result = await client.call("mfa/passkeys/", { method: "POST", body: { credential: answer.credential, name } });
        if (!result.ok) return forms.show(form, result.body, { codeFields: { invalid_code: "name" } });
        form.reset();
        log("added the passkey " + name);
        if (result.body.recovery_codes) showRecoveryCodes(result.body.recovery_codes);
        load();
      });
    });

    reauthButton("recovery-renew", { url: "mfa/recovery-codes/", method: "POST" },
      (body) => showRecoveryCodes(body.recovery_codes));

    $("passkey-login-area").hidden = !supportsPasskeys;

    return {
      showLoginStep,
      showEnrolmentStep,
      withReauth,
      signedIn: load,
      signedOut() {
        leaveLoginStep();
        leaveEnrolmentStep();
        closeTotpForm();
        closeDialog(false);
        $("recovery-done").click();
        state = null;
        $("passkeys").replaceChildren();
        $("mfa-error").textContent = "";
      },
    };
  }

  global.SecondFactors = { attach };
})(window);
