/*
 * Social login on the account page: "Continue with …" buttons (plain links to
 * ``social/<id>/login/?next=<this page>``), the return from the provider (``#code=``, ``#linked=`` or
 * ``#error=`` in the fragment, cleared from the address bar at once), and the signed-in user's linked
 * identities with link and unlink.
 *
 * The login code goes to ``login/social/`` with ``"transport": "cookie"``: the page never sees a token.
 * A code from a re-authentication (started here, remembered for this tab) goes to ``reauthenticate/``.
 * The error codes' plain words come from the page (``#social-messages``), so they are translated there.
 */
(function (global) {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const REAUTH_KEY = "social-reauthenticating";

  /** The outcome the provider's return left in the fragment, taken out of the address bar. */
  function takeFragment() {
    const values = new URLSearchParams(location.hash.slice(1));
    const outcome = {
      code: values.get("code"),
      error: values.get("error"),
      linked: values.get("linked"),
    };
    if (outcome.code || outcome.error || outcome.linked) {
      history.replaceState(null, "", location.pathname + location.search);
    }
    return outcome;
  }

  function message(code) {
    const known = document.querySelector('#social-messages [data-code="' + CSS.escape(code) + '"]');
    const fallback = document.querySelector('#social-messages [data-code="default"]');
    return (known || fallback).textContent.trim();
  }

  function attach({ client, forms, notify, factors }) {
    const base = document.body.dataset.authBase;
    const here = location.origin + location.pathname;
    let providers = [];

    function loginButtons() {
      const area = $("social-buttons");
      area.replaceChildren();
      for (const provider of providers) {
        const link = document.createElement("a");
        link.className = "button secondary wide";
        link.href = base + "social/" + encodeURIComponent(provider.id) + "/login/?next="
          + encodeURIComponent(here);
        link.textContent = $("social-messages").dataset.continueWith.replace("{name}", provider.name);
        area.append(link);
      }
      $("social-login-area").hidden = providers.length === 0;
    }

    async function loadLinked() {
      if (providers.length === 0) return;
      $("social-card").hidden = false;
      const result = await client.call("social/accounts/");
      const list = $("social-accounts");
      list.replaceChildren();
      if (!result.ok) {
        forms.show($("social-card"), result.body);
        return;
      }
      const names = Object.fromEntries(providers.map((p) => [p.id, p.name]));
      confirmButtons(result.body.map((identity) => identity.provider));
      for (const identity of result.body) {
        const item = document.createElement("li");
        const label = document.createElement("span");
        label.textContent = (names[identity.provider] || identity.provider)
          + (identity.email ? " (" + identity.email + ")" : "");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button danger-outline small";
        button.textContent = $("social-messages").dataset.unlink;
        button.addEventListener("click", () => unlink(identity, button));
        item.append(label, button);
        list.append(item);
      }
      const actions = $("social-link-buttons");
      actions.replaceChildren();
      for (const provider of providers) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button secondary small";
        button.textContent = $("social-messages").dataset.link.replace("{name}", provider.name);
        button.addEventListener("click", () => startFlow("link", provider));
        actions.append(button);
      }
    }

    /** "Confirm with …" in the re-authentication prompt, for each provider linked to the account
     * (an account without a password has no other way to confirm). */
    function confirmButtons(linked) {
      const actions = document.querySelector("#reauth-form .actions");
      if (!actions) return;
      for (const old of actions.querySelectorAll("[data-social-confirm]")) old.remove();
      for (const provider of providers.filter((p) => linked.includes(p.id))) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button secondary";
        button.dataset.socialConfirm = provider.id;
        button.textContent = $("social-messages").dataset.confirmWith.replace("{name}", provider.name);
        button.addEventListener("click", () => startFlow("reauthenticate", provider));
        actions.prepend(button);
      }
    }

    /** Link (recent authentication first) or re-authenticate: the server's URL, in this tab. */
    async function startFlow(kind, provider) {
      const path = "social/" + encodeURIComponent(provider.id) + "/" + kind + "/";
      const call = () => client.call(path, { method: "POST", body: { next: here } });
      const result = kind === "link" ? await factors.withReauth(call) : await call();
      if (!result.ok) {
        forms.show($("social-card"), result.body);
        return;
      }
      if (kind === "reauthenticate") sessionStorage.setItem(REAUTH_KEY, provider.id);
      location.assign(result.body.authorization_url);
    }

    async function unlink(identity, button) {
      button.disabled = true;
      const result = await factors.withReauth(
        () => client.call("social/accounts/" + identity.id + "/", { method: "DELETE" }),
      );
      button.disabled = false;
      if (!result.ok) {
        notify(result.body && result.body.code ? message(result.body.code) : message("default"), "error");
        return;
      }
      await loadLinked();
    }

    /** What the provider's return says: sign in with the code, or re-authenticate, or tell. */
    async function handleReturn(outcome) {
      const reauthenticating = sessionStorage.getItem(REAUTH_KEY);
      sessionStorage.removeItem(REAUTH_KEY);
      if (outcome.error) {
        notify(message(outcome.error), "error");
      } else if (outcome.linked) {
        notify($("social-messages").dataset.linked);
      } else if (outcome.code && reauthenticating) {
        const result = await client.reauthenticate({ social_code: outcome.code, transport: "cookie" });
        if (result.ok) notify($("social-messages").dataset.confirmed);
        else notify(message(result.body && result.body.code), "error");
      } else if (outcome.code) {
        const result = await client.signIn("login/social/", { code: outcome.code, transport: "cookie" });
        if (!result.ok && result.body && result.body.code === "mfa_required") {
          factors.showLoginStep(result.body);
        } else if (!result.ok) {
          notify(message(result.body && result.body.code), "error");
        }
      }
    }

    const outcome = takeFragment();
    const ready = client.call("social/providers/", { anonymous: true }).then((result) => {
      providers = result.ok && Array.isArray(result.body) ? result.body : [];
      loginButtons();
    });

    return {
      ready,
      /** Once the page knows who is signed in (``pageReady``): act on the provider's return. */
      start: (pageReady) => Promise.all([ready, pageReady]).then(() => handleReturn(outcome)),
      signedIn: () => ready.then(loadLinked),
      signedOut() {
        $("social-card").hidden = true;
        $("social-accounts").replaceChildren();
        confirmButtons([]);
      },
      reauthenticateWith: (provider) => startFlow("reauthenticate", provider),
    };
  }

  global.SocialLogin = { attach };
})(window);
