/* "Sign in with a passkey" on the admin's login page (tokens/admin/login.html): options for any
 * discoverable passkey from the API, the browser's answer, then the admin's passkey view, which runs
 * it through the login stages and opens the Django session. Its sentences are in the template
 * (data-* attributes), translated there. */
(function () {
  "use strict";

  const box = document.getElementById("admin-passkey");
  if (!box || typeof PublicKeyCredential === "undefined"
      || typeof PublicKeyCredential.parseRequestOptionsFromJSON !== "function") return;
  const messages = box.dataset;
  const button = document.getElementById("admin-passkey-button");
  const error = document.getElementById("admin-passkey-error");
  const form = document.getElementById("login-form");
  const csrf = () => form.querySelector("[name=csrfmiddlewaretoken]").value;

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body || {}),
    });
    let data = {};
    try { data = await response.json(); } catch (failure) { data = {}; }
    return { ok: response.ok, status: response.status, data, wait: Number(response.headers.get("Retry-After")) };
  }

  function fail(text) {
    // The admin's error style only when there is an error: its box would show even when hidden.
    error.className = "errornote";
    error.textContent = text;
    error.hidden = false;
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    error.hidden = true;
    try {
      const options = await post(messages.optionsUrl);
      if (!options.ok) return fail(options.status === 429
        ? messages.throttled.replace("{seconds}", options.wait || 1) : options.data.detail || messages.failed);
      let credential;
      try {
        const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options.data.publicKey);
        credential = (await navigator.credentials.get({ publicKey })).toJSON();
      } catch (failure) {
        return fail(messages.cancelled);
      }
      const next = form.querySelector("[name=next]");
      const answer = await post(messages.loginUrl, {
        challenge_id: options.data.challenge_id, credential, next: next ? next.value : "",
      });
      if (answer.ok) {
        location.assign(answer.data.redirect);
        return;
      }
      fail(answer.status === 429 ? messages.throttled.replace("{seconds}", answer.wait || 1)
        : answer.data.detail || messages.failed);
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });

  box.hidden = false;
})();
