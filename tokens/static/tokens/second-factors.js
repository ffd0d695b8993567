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

  // Every sentence this file shows, from the page's djangojs catalogue (gettext, interpolate).
  const format = (text, values) => interpolate(text, values, true);
  const messages = {
    passkeyCancelled: gettext("The passkey request was cancelled or timed out."),
    passkeyExists: gettext("This authenticator already holds a passkey for your account."),
    passkeyUnusable: (why) => (why
      ? format(gettext("This browser could not use a passkey: %(why)s"), { why })
      : gettext("This browser could not use a passkey.")),
    hintCodes: gettext("Enter the 6-digit code from your authenticator app, or one of your recovery codes."),
    hintCodesOrPasskey: gettext("Enter the 6-digit code from your authenticator app, or one of your recovery codes. Or confirm with your passkey."),
    hintPasskey: gettext("Confirm with your passkey."),
    hintRecovery: gettext("Enter one of your recovery codes."),
    labelCode: gettext("Code"),
    labelRecovery: gettext("Recovery code"),
    wrongCode: gettext("The code is wrong, already used or expired."),
    tooLong: gettext("That took too long: log in again."),
    enrolled: gettext("Your second factor is set up: logging in now asks for it."),
    totpOn: gettext("Your authenticator app is set up: logging in now asks for one of its codes."),
    failed: gettext("That did not work."),
    copied: gettext("Copied."),
    copyBlocked: gettext("Copying is blocked here: select the codes and copy them."),
    lastUsed: (when) => format(gettext("last used %(when)s"), { when }),
    notUsed: gettext("not used yet"),
    added: (when, used) => format(gettext("Added %(when)s · %(used)s"), { when, used }),
    remove: gettext("Remove"),
    removeLabel: (name) => format(gettext("Remove the passkey %(name)s"), { name }),
    totpStatusOn: gettext("On: logging in asks for a code from the app."),
    totpStatusOff: gettext("Off."),
    remaining: (count) => format(ngettext("%(count)s of 10 left.", "%(count)s of 10 left.", count), { count }),
    madeWithFirst: gettext("Made with your first second factor."),
    nameNeeded: gettext("Give the passkey a name, so you can tell it apart later."),
    codesFile: (site) => format(gettext("Recovery codes for %(site)s. Each one works once."), { site }) + "\n\n",
    confirmRemovePasskey: (name) => format(gettext("Remove the passkey %(name)s? It no longer signs you in."), { name }),
    confirmRemovePasskeyButton: gettext("Remove the passkey"),
    confirmTotpOff: gettext("Turn off the authenticator app? Logging in no longer asks for its codes."),
    confirmTotpOffButton: gettext("Turn it off"),
    confirmRenew: gettext("Make new recovery codes? The codes you have now stop working at once."),
    confirmRenewButton: gettext("Make new codes"),
  };

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** A failure of the browser's side of a passkey ceremony, as an error body for a form. */
  function passkeyError(error) {
    const detail = error && error.name === "NotAllowedError"
      ? messages.passkeyCancelled
      : error && error.name === "InvalidStateError"
        ? messages.passkeyExists
        : messages.passkeyUnusable(error && error.message);
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

    const dateOnly = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: "medium" });

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
      const byRecovery = methods.includes("recovery_code");
      $("mfa-code-label").textContent = messages.labelCode;
      $("mfa-recovery").hidden = !byRecovery || !methods.includes("totp");
      $("mfa-hint").textContent = byCode
        ? (byPasskey ? messages.hintCodesOrPasskey : messages.hintCodes)
        : messages.hintPasskey;
      $("login-view").dataset.step = "mfa";
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
      delete $("login-view").dataset.step;
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
        forms.show(loginForm, { detail: messages.tooLong, code: "token_invalid" });
        return;
      }
      // The server's sentence names passkeys too; a code that was typed is only a code.
      const body = result.body && result.body.code === "invalid_code" && payload.code !== undefined
        ? { ...result.body, detail: messages.wrongCode } : result.body;
      forms.show(mfaForm, body, { codeFields: { invalid_code: "code" } });
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

    // One click from the app's code to a recovery code: the same field, named for what it takes.
    $("mfa-recovery").addEventListener("click", () => {
      forms.clear(mfaForm);
      $("mfa-code").value = "";
      $("mfa-code-label").textContent = messages.labelRecovery;
      $("mfa-hint").textContent = messages.hintRecovery;
      $("mfa-recovery").hidden = true;
      $("mfa-code").focus();
    });

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
      $("login-view").dataset.step = "enrol";
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
      delete $("login-view").dataset.step;
      loginForm.hidden = false;
      $("passkey-login-area").hidden = !supportsPasskeys;
    }

    /** A refusal of the enrolment's token (spent or expired): back to the password. */
    function enrolmentFailed(result, codeFields) {
      if (result.status === 401) {
        leaveEnrolmentStep();
        forms.show(loginForm, { detail: messages.tooLong, code: "token_invalid" });
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
      notify(messages.enrolled);
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
      await finishEnrolment("mfa/passkeys/", { credential: answer.credential, name: gettext("Passkey") }, "a passkey");
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
      $("mfa-error").textContent = result && !result.ok ? (result.body && result.body.detail) || messages.failed : "";
    }

    function showRecoveryCodes(codes) {
      $("recovery-codes").replaceChildren(...codes.map((code) => element("li", "", code)));
      $("recovery-copied").textContent = "";
      // The same codes as a text file, from a Blob: nothing leaves the browser.
      const old = $("recovery-download").href;
      if (old.startsWith("blob:")) URL.revokeObjectURL(old);
      const site = document.querySelector(".brand").textContent.trim();
      const file = new Blob([messages.codesFile(site) + codes.join("\n") + "\n"], { type: "text/plain" });
      $("recovery-download").href = URL.createObjectURL(file);
      $("recovery-panel").hidden = false;
      $("recovery-panel").focus();
    }

    $("recovery-copy").addEventListener("click", async () => {
      const codes = [...$("recovery-codes").children].map((item) => item.textContent).join("\n");
      try {
        await navigator.clipboard.writeText(codes);
        $("recovery-copied").textContent = messages.copied;
      } catch (error) {
        $("recovery-copied").textContent = messages.copyBlocked;
      }
    });

    $("recovery-done").addEventListener("click", () => {
      $("recovery-panel").hidden = true;
      $("recovery-codes").replaceChildren();
      const link = $("recovery-download").href;
      if (link.startsWith("blob:")) URL.revokeObjectURL(link);
      $("recovery-download").setAttribute("href", "#");
    });

    function passkeyItem(passkey) {
      const item = element("li", "item");
      item.dataset.passkeyId = passkey.id;
      const main = element("div", "item-main");
      const used = passkey.last_used_at ? messages.lastUsed(dateOnly.format(new Date(passkey.last_used_at))) : messages.notUsed;
      main.append(element("p", "item-title", passkey.name),
                  element("p", "meta", messages.added(dateOnly.format(new Date(passkey.created_at)), used)));
      const button = element("button", "button danger-outline small remove", messages.remove);
      button.type = "button";
      button.setAttribute("aria-label", messages.removeLabel(passkey.name));
      button.addEventListener("click", async () => {
        if (!(await forms.confirm(messages.confirmRemovePasskey(passkey.name), messages.confirmRemovePasskeyButton))) return;
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
        ? messages.totpStatusOn
        : messages.totpStatusOff;
      $("totp-setup").hidden = state.totp.enabled || !$("totp-form").hidden;
      $("totp-disable").hidden = !state.totp.enabled;
      $("passkeys").replaceChildren(...state.passkeys.map(passkeyItem));
      $("recovery-status").textContent = any
        ? messages.remaining(state.recovery_codes.remaining)
        : messages.madeWithFirst;
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
        notify(messages.totpOn);
        log("authenticator app turned on");
        if (result.body && result.body.recovery_codes) showRecoveryCodes(result.body.recovery_codes);
        load();
      });
    });

    // A button whose action needs a recent authentication: disabled while it runs, its error on
    // the card, the factors read again after it.
    function reauthButton(id, path, done, ask) {
      $(id).addEventListener("click", async () => {
        if (ask && !(await forms.confirm(...ask))) return;
        $(id).disabled = true;
        $(id).setAttribute("aria-busy", "true");
        const result = await withReauth(() => client.call(path.url, { method: path.method }));
        $(id).disabled = false;
        $(id).removeAttribute("aria-busy");
        cardError(result);
        if (result.ok) done(result.body);
        load();
      });
    }

    reauthButton("totp-disable", { url: "mfa/totp/", method: "DELETE" }, () => log("authenticator app turned off"),
      [messages.confirmTotpOff, messages.confirmTotpOffButton]);

    $("passkey-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = event.currentTarget;
      forms.busy(form, async () => {
        forms.clear(form);
        const name = $("passkey-name").value.trim();
        if (!name) return forms.show(form, { name: [messages.nameNeeded] });
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
      (body) => showRecoveryCodes(body.recovery_codes), [messages.confirmRenew, messages.confirmRenewButton]);

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
