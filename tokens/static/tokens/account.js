/* The account page: log in, sign up, verify the address and reset the password from the mailed
 * links, then the profile, the e-mail address and the sessions of the signed-in user.
 * Every request goes through AuthClient (auth-client.js); errors land on their form (forms.js). */
(function () {
  "use strict";

  // The auth endpoints' prefix comes from the URLconf and the CSRF cookie's name from the settings,
  // through the page (``{% auth_url_prefix %}``, ``{% csrf_cookie_name %}``).
  // Every sentence this file shows, from the page's djangojs catalogue (JavaScriptCatalog, loaded
  // before this file): gettext, and interpolate with named placeholders.
  const format = (text, values) => interpolate(text, values, true);
  const messages = {
    signedOutBecause: {
      logout: gettext("You were signed out: this session was logged out in another tab or window."),
      revoked: gettext("You were signed out: this session was revoked from another device or by an administrator."),
      logout_all: gettext("You were signed out: someone logged out of this account everywhere."),
      password_changed: gettext("You were signed out because the password of this account was changed."),
      password_reset: gettext("You were signed out because the password of this account was reset."),
      user_disabled: gettext("You were signed out because this account was disabled."),
      factor_added: gettext("You were signed out because a second factor was added to this account. Log in again with it."),
      factors_removed: gettext("You were signed out because the second factors of this account were removed."),
      reuse_detected: gettext("You were signed out to protect your account: an old sign-in token was used again, which can mean it was stolen. Log in again; consider changing your password."),
      session_limit: gettext("You were signed out because this account signed in on too many devices; the oldest session ended."),
      expired: gettext("Your session has expired. Log in again."),
    },
    signedOutOther: gettext("You were signed out. Log in again."),
    resendSent: (email) => format(gettext("If %(email)s belongs to an unverified account, a new link is on its way."), { email }),
    forgotSent: (email) => format(gettext("If an account uses %(email)s, a link to choose a new password is on its way."), { email }),
    emailNow: (email) => format(gettext("Your e-mail address is now %(email)s."), { email }),
    emailVerified: (email) => format(gettext("Your e-mail address %(email)s is verified. You can log in now."), { email }),
    verifyLinkDead: gettext("This verification link does not work any more: it was used already, or it has expired. Log in to have a new one sent."),
    verifyFailed: gettext("The address could not be verified."),
    resetLinkDead: gettext("This reset link does not work any more: it was used already, or it has expired. Ask for a new one from the log-in form."),
    resetDone: gettext("Your password is changed, and every session was signed out. Log in with the new password."),
    emailSent: (email) => format(gettext("We sent a link to %(email)s. Your address changes when you open it."), { email }),
    none: gettext("none"),
    justNow: gettext("just now"),
    unknownDevice: gettext("Unknown device"),
    on: (browser, system) => format(gettext("%(browser)s on %(system)s"), { browser, system }),
    // A session that began at an outside identity provider (its display name).
    via: (provider) => format(gettext("via %(provider)s"), { provider }),
    thisDevice: gettext("This device"),
    signedInAt: (when) => format(gettext("Signed in %(when)s"), { when }),
    lastActive: (when) => format(gettext("last active %(when)s"), { when }),
    revoke: gettext("Revoke"),
    revokeLabel: (name) => format(gettext("Revoke the session of %(name)s"), { name }),
    sessionsFailed: gettext("The sessions could not be loaded."),
    revokeFailed: gettext("The session could not be revoked."),
    othersFailed: gettext("The other devices could not be logged out."),
    othersDone: gettext("Your other devices are logged out."),
    confirmRevoke: (name) => format(gettext("Sign out %(name)s? It is signed out at its next request."), { name }),
    confirmRevokeButton: gettext("Revoke the session"),
    confirmLogoutAll: gettext("Log out everywhere? Every device signed in to this account, this one too, is signed out."),
    confirmLogoutAllButton: gettext("Log out everywhere"),
  };

  const client = new AuthClient({
    base: document.body.dataset.authBase,
    csrfCookieName: document.body.dataset.csrfCookie,
  });
  const forms = AccountForms;
  const $ = (id) => document.getElementById(id);

  // The keys of the mailed links (``/?verify=<key>``, ``/?reset=<key>``) leave the address bar at
  // once, so they stay out of the history and of bookmarks.
  const params = new URLSearchParams(location.search);
  const verifyKey = params.get("verify");
  let resetKey = params.get("reset");
  if (verifyKey !== null || resetKey !== null) history.replaceState(null, "", location.pathname);

  /* ---- what is on screen ---- */

  function show(signedIn) {
    $("login-view").hidden = signedIn || resetKey !== null;
    $("reset-view").hidden = resetKey === null;
    $("app-view").hidden = !signedIn || resetKey !== null;
    $("user-menu").hidden = !signedIn;
    $("username").textContent = signedIn && client.user ? client.user.username : "";
  }

  function notify(text, kind = "success") {
    $("notice-text").textContent = text;
    delete $("notice").dataset.cause;
    $("notice").dataset.kind = kind;
    $("notice").hidden = false;
  }

  // What the page did, for the demo page's log (``/demo/``); the account page shows none of it.
  function log(text) {
    document.dispatchEvent(new CustomEvent("account:log", { detail: text }));
  }

  // Dates in the page's language (``<html lang>``), which may differ from the browser's.
  const language = document.documentElement.lang || undefined;
  const dateTime = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" });
  const dateOnly = new Intl.DateTimeFormat(language, { dateStyle: "long" });
  const relative = new Intl.RelativeTimeFormat(language, { numeric: "auto" });

  function ago(iso) {
    const seconds = (Date.parse(iso) - Date.now()) / 1000;
    if (Math.abs(seconds) < 60) return messages.justNow;
    for (const [unit, size] of [["day", 86400], ["hour", 3600], ["minute", 60]]) {
      if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
    }
    return messages.justNow;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const factors = SecondFactors.attach({ client, forms, notify, log });
  const social = SocialLogin.attach({ client, forms, notify, factors });

  /* ---- signed out: log in, sign up, the mailed links ---- */

  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    forms.busy(form, async () => {
      forms.clear(form);
      $("resend-form").hidden = true;
      const username = $("login-username").value.trim();
      const result = await client.login(username, $("login-password").value);
      if (result.ok) {
        form.reset();
        forms.clear(form);
        log("logged in");
        return;
      }
      if (result.body && result.body.code === "mfa_required") {
        $("login-password").value = "";
        factors.showLoginStep(result.body);
        return;
      }
      if (result.body && result.body.code === "mfa_enrollment_required") {
        $("login-password").value = "";
        factors.showEnrolmentStep(result.body);
        return;
      }
      forms.show(form, result.body);
      if (result.body && result.body.code === "email_unverified") {
        $("resend-email").value = username.includes("@") ? username : "";
        $("resend-sent").hidden = true;
        $("resend-form").hidden = false;
      }
    });
  });

  // A form that mails a link to an address, answered the same whoever owns it: the line under it
  // says so in the same words either way.
  function mailLinkForm(name, path, sentText) {
    $(name + "-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = event.currentTarget;
      forms.busy(form, async () => {
        const email = $(name + "-email").value.trim();
        const result = await client.call(path, { method: "POST", body: { email }, anonymous: true });
        if (!result.ok) return forms.show(form, result.body);
        forms.clear(form);
        $(name + "-sent").textContent = sentText(email);
        $(name + "-sent").hidden = false;
      });
    });
  }

  mailLinkForm("resend", "email/verify/resend/",
    messages.resendSent);

  $("forgot-toggle").addEventListener("click", () => {
    const open = $("forgot-form").hidden;
    $("forgot-form").hidden = !open;
    $("forgot-toggle").setAttribute("aria-expanded", String(open));
    if (open) {
      if ($("login-username").value.includes("@")) $("forgot-email").value = $("login-username").value.trim();
      $("forgot-email").focus();
    }
  });

  mailLinkForm("forgot", "password/reset/",
    messages.forgotSent);

  $("register-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    forms.busy(form, async () => {
      const body = {
        username: $("register-username").value.trim(),
        email: $("register-email").value.trim(),
        password: $("register-password").value,
      };
      const result = await client.call("register/", { method: "POST", body, anonymous: true });
      if (!result.ok) return forms.show(form, result.body);
      forms.clear(form);
      form.hidden = true;
      $("register-done-email").textContent = body.email;
      $("register-done").hidden = false;
      $("register-done").focus();
    });
  });

  async function verifyAddress(key) {
    const result = await client.call("email/verify/", { method: "POST", body: { key }, anonymous: true });
    if (result.ok) {
      notify(client.user ? messages.emailNow(result.body.email) : messages.emailVerified(result.body.email));
      if (client.user) loadProfile();
    } else {
      notify(result.body.code === "invalid_key" ? messages.verifyLinkDead
        : result.body.detail || messages.verifyFailed, "error");
    }
  }

  /** A reset link that no longer works says so at once, before a new password is typed. */
  function resetLinkDead() {
    $("reset-confirm-form").hidden = true;
    $("reset-dead").hidden = false;
    $("reset-dead-text").textContent = messages.resetLinkDead;
    $("reset-dead-back").focus();
  }

  async function checkResetKey() {
    const result = await client.call("password/reset/check/", { method: "POST", body: { key: resetKey }, anonymous: true });
    if (!result.ok && result.body && result.body.code === "invalid_key") resetLinkDead();
    else $("reset-new-password").focus();
  }

  $("reset-dead-back").addEventListener("click", () => {
    resetKey = null;
    show(client.user !== null);
    if (client.user === null && $("forgot-form").hidden) $("forgot-toggle").click();
  });

  $("reset-confirm-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    forms.busy(form, async () => {
      const body = { key: resetKey, new_password: $("reset-new-password").value };
      const result = await client.call("password/reset/confirm/", { method: "POST", body, anonymous: true });
      if (!result.ok) {
        if (result.body && result.body.code === "invalid_key") {
          resetLinkDead();
        } else {
          forms.show(form, result.body);
        }
        return;
      }
      form.reset();
      forms.clear(form);
      resetKey = null;
      // The reset ended every session, this browser's too.
      if (client.user) client.signedOut("password reset", true);
      show(false);
      notify(messages.resetDone);
      $("login-username").focus();
    });
  });

  $("reset-cancel").addEventListener("click", () => {
    resetKey = null;
    show(client.user !== null);
  });

  $("notice-close").addEventListener("click", () => { $("notice").hidden = true; });

  // The language switch posts the CSRF token the cookie holds now: a sign-in rotates it after the
  // page was drawn, and the form's would then be refused.
  $("language-form").addEventListener("submit", (event) => {
    const token = document.cookie.split("; ").find((item) => item.startsWith(document.body.dataset.csrfCookie + "="));
    if (token) event.currentTarget.elements.csrfmiddlewaretoken.value = decodeURIComponent(token.split("=")[1]);
  });

  /* ---- signed in: profile, e-mail address, sessions ---- */

  let profileRequests = 0;

  async function loadProfile() {
    // Only the newest answer is shown: an older one may arrive after it (say, from before a change).
    const request = ++profileRequests;
    const result = await client.call("me/");
    if (!result.ok || request !== profileRequests) return;
    $("profile-username").textContent = result.body.username || "";
    $("password-username").value = result.body.username || result.body.email || "";
    $("profile-email").textContent = result.body.email || messages.none;
    $("profile-joined").textContent = result.body.date_joined ? dateOnly.format(new Date(result.body.date_joined)) : "";
  }

  $("email-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    forms.busy(form, async () => {
      $("email-sent").hidden = true;
      const email = $("email-new").value.trim();
      const result = await factors.withReauth(() => client.call("email/change/", { method: "POST", body: { email } }));
      if (!result.ok) return forms.show(form, result.body);
      forms.clear(form);
      form.querySelector("input").value = "";
      $("email-sent").textContent = messages.emailSent(email);
      $("email-sent").hidden = false;
    });
  });

  $("password-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    forms.busy(form, async () => {
      $("password-changed").hidden = true;
      const body = { old_password: $("password-old").value, new_password: $("password-new").value };
      const result = await client.call("password/", { method: "POST", body });
      if (!result.ok) return forms.show(form, result.body);
      forms.clear(form);
      form.reset();
      $("password-changed").hidden = false;
      loadSessions();
    });
  });

  // A readable name for a user agent, for a backend that names no ``device``: browser and system.
  const BROWSERS = [["Edg/", "Edge"], ["OPR/", "Opera"], ["Firefox/", "Firefox"], ["Chrome/", "Chrome"],
                    ["Safari/", "Safari"]];
  const SYSTEMS = [["Windows", "Windows"], ["iPhone", "iPhone"], ["iPad", "iPad"], ["Android", "Android"],
                   ["Mac OS X", "macOS"], ["CrOS", "ChromeOS"], ["Linux", "Linux"]];

  function deviceName(agent) {
    if (!agent) return messages.unknownDevice;
    const browser = BROWSERS.find(([mark]) => agent.includes(mark));
    const system = SYSTEMS.find(([mark]) => agent.includes(mark));
    if (browser && system) return messages.on(browser[1], system[1]);
    if (browser || system) return (browser || system)[1];
    return agent.length > 60 ? agent.slice(0, 59) + "…" : agent;
  }

  function sessionItem(session) {
    const item = element("li", "session");
    item.dataset.sessionId = session.id;
    if (session.current) item.dataset.current = "";
    const name = session.device || deviceName(session.user_agent);
    const main = element("div", "session-main");
    const title = element("p", "device", name);
    title.title = session.user_agent || "";
    if (session.provider) title.append(" ", element("span", "via", messages.via(session.provider)));
    if (session.current) title.append(" ", element("span", "badge", messages.thisDevice));
    const facts = [messages.signedInAt(dateTime.format(new Date(session.created_at))),
                   messages.lastActive(ago(session.last_used_at))];
    if (session.ip_address) facts.push(session.ip_address);
    main.append(title, element("p", "meta", facts.join(" · ")));
    item.append(main);
    if (!session.current) {
      const button = element("button", "button danger-outline small revoke", messages.revoke);
      button.type = "button";
      button.dataset.sessionId = session.id;
      button.setAttribute("aria-label", messages.revokeLabel(name));
      button.addEventListener("click", () => revoke(session, button));
      item.append(button);
    }
    return item;
  }

  async function loadSessions() {
    const result = await client.call("sessions/");
    if (!result.ok) {
      $("sessions-error").textContent = (result.body && result.body.detail) || messages.sessionsFailed;
      return;
    }
    $("sessions-error").textContent = "";
    const sessions = result.body.slice().sort((a, b) =>
      (b.current - a.current) || (Date.parse(b.last_used_at) - Date.parse(a.last_used_at)));
    $("sessions").replaceChildren(...sessions.map(sessionItem));
  }

  async function revoke(session, button) {
    if (!(await forms.confirm(messages.confirmRevoke(session.device || deviceName(session.user_agent)),
      messages.confirmRevokeButton))) return;
    button.disabled = true;
    // Ending another session needs a recent authentication: the prompt, then the call again.
    const result = await factors.withReauth(() => client.call("sessions/" + session.id + "/", { method: "DELETE" }));
    if (!result.ok && result.status !== 404) {
      button.disabled = false;
      $("sessions-error").textContent = (result.body && result.body.detail) || messages.revokeFailed;
      return;
    }
    log("revoked a session on " + (session.device || deviceName(session.user_agent)));
    loadSessions();
  }

  $("btn-logout").addEventListener("click", () => client.logout("logout/"));
  $("btn-logout-all").addEventListener("click", async () => {
    if (await forms.confirm(messages.confirmLogoutAll, messages.confirmLogoutAllButton)) client.logout("logout-all/");
  });

  // Every session but this one ends (``logout-others/``, after a recent authentication like a
  // revoke); this browser stays signed in, so the page only lists its sessions again.
  $("btn-logout-others").addEventListener("click", async () => {
    const button = $("btn-logout-others");
    button.disabled = true;
    $("sessions-status").hidden = true;
    const result = await factors.withReauth(() => client.call("logout-others/", { method: "POST" }));
    button.disabled = false;
    if (!result.ok) {
      $("sessions-error").textContent = (result.body && result.body.detail) || messages.othersFailed;
      return;
    }
    log("logged out the other devices");
    await loadSessions();
    $("sessions-status").textContent = messages.othersDone;
    $("sessions-status").hidden = false;
  });

  client.addEventListener("login", (event) => {
    // A notice for the signed-out page ("you can log in now") has had its say.
    if (!event.detail.restored) $("notice").hidden = true;
    show(true);
    // ``data-loaded`` marks the page filled in for this sign-in (scripts and tests wait for it).
    delete document.body.dataset.loaded;
    Promise.all([loadProfile(), loadSessions(), factors.signedIn(), social.signedIn()])
      .then(() => { if (client.user) document.body.dataset.loaded = ""; });
  });
  client.addEventListener("logout", (event) => {
    $("notice").hidden = true;
    delete document.body.dataset.loaded;
    show(false);
    factors.signedOut();
    social.signedOut();
    // Nothing of the previous user stays on screen: lists, names, typed values, messages.
    $("sessions").replaceChildren();
    for (const id of ["profile-username", "profile-email", "profile-joined", "sessions-error", "username"]) {
      $(id).textContent = "";
    }
    $("password-username").value = "";
    for (const form of document.querySelectorAll("#app-view form")) {
      form.reset();
      forms.clear(form);
    }
    $("email-sent").hidden = true;
    $("password-changed").hidden = true;
    $("sessions-status").hidden = true;
    // A session the server ended (elsewhere, or for a cause of its own) says why.
    const cause = event.detail.cause;
    if (cause) {
      notify(messages.signedOutBecause[cause] || messages.signedOutOther, "error");
      $("notice").dataset.cause = cause;
    }
    // The new step's first field.
    $("login-username").focus();
  });

  show(false);
  // ``ready`` settles once the page knows who is signed in and has followed a mailed link.
  const ready = client.restore().then(async (signedIn) => {
    show(signedIn);
    if (resetKey !== null) await checkResetKey();
    if (verifyKey !== null) await verifyAddress(verifyKey);
    await social.start(Promise.resolve());
  });
  window.accountPage = { client, ready };
})();
