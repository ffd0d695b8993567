/* The demo page: a login form, then the signed-in user, the access token's countdown, a log of
 * refreshes and buttons for the API. All requests go through AuthClient (auth-client.js). */
(function () {
  "use strict";

  // The auth endpoints' prefix comes from the URLconf, through the page (``{% auth_url_prefix %}``).
  const client = new AuthClient({ base: document.body.dataset.authBase });
  const $ = (id) => document.getElementById(id);

  function show(signedIn) {
    $("login-view").hidden = signedIn;
    $("app-view").hidden = !signedIn;
    $("username").textContent = signedIn && client.user ? client.user.username : "";
  }

  function output(label, value) {
    $("output").textContent = label + "\n" + (typeof value === "string" ? value : JSON.stringify(value, null, 2));
  }

  function log(text) {
    const item = document.createElement("li");
    item.textContent = new Date().toLocaleTimeString() + "  " + text;
    $("refresh-log").prepend(item);
  }

  async function describe(response) {
    const text = await response.text();
    let body = text;
    try { body = text ? JSON.parse(text) : null; } catch (error) { /* not JSON: show it as text */ }
    return { status: response.status, body };
  }

  function tick() {
    const left = client.accessExpiresAt ? Math.max(0, client.accessExpiresAt - Date.now()) : null;
    $("countdown").textContent = left === null ? "unknown" : left > 0
      ? (left / 1000).toFixed(1) + " s" : "expired: the next call refreshes";
  }

  client.addEventListener("login", () => show(true));
  client.addEventListener("logout", (event) => {
    show(false);
    $("sessions").replaceChildren();
    log("signed out: " + event.detail.reason);
  });
  client.addEventListener("refresh", (event) => {
    log((event.detail.here ? "silent refresh (" : "refreshed by ") + event.detail.reason + (event.detail.here ? ")" : ""));
  });
  client.addEventListener("error", (event) => log(event.detail.message));

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-error").textContent = "";
    const result = await client.login($("login-username").value, $("login-password").value);
    if (!result.ok) {
      $("login-error").textContent = result.body.detail || JSON.stringify(result.body);
      return;
    }
    $("login-password").value = "";
    log("logged in");
  });

  $("btn-me").addEventListener("click", async () => output("GET me/", await describe(await client.request("me/"))));

  $("btn-parallel").addEventListener("click", async () => {
    const responses = await Promise.all(Array.from({ length: 5 }, () => client.request("me/")));
    const ok = responses.filter((response) => response.ok).length;
    output("5 parallel GET me/", ok + " of 5 succeeded");
  });

  async function listSessions() {
    const result = await describe(await client.request("sessions/"));
    output("GET sessions/", result);
    const rows = $("sessions");
    rows.replaceChildren();
    if (result.status !== 200) return;
    for (const session of result.body) {
      const row = document.createElement("tr");
      for (const text of [session.id, session.created_at, session.ip_address || "", session.user_agent,
                          session.current ? "this one" : ""]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      const cell = document.createElement("td");
      const button = document.createElement("button");
      button.textContent = "Revoke";
      button.className = "revoke";
      button.dataset.sessionId = session.id;
      button.addEventListener("click", async () => {
        const response = await client.request("sessions/" + session.id + "/", { method: "DELETE" });
        log("revoked session " + session.id + ": " + response.status);
        if (session.current) client.signedOut("this session was revoked", true);
        else listSessions();
      });
      cell.append(button);
      row.append(cell);
      rows.append(row);
    }
  }

  $("btn-sessions").addEventListener("click", listSessions);
  $("btn-logout").addEventListener("click", () => client.logout("logout/"));
  $("btn-logout-all").addEventListener("click", () => client.logout("logout-all/"));

  setInterval(tick, 200);
  show(false);
  // ``ready`` settles once the page knows whether the cookies still sign someone in.
  window.demo = { client, ready: client.restore().then((signedIn) => { show(signedIn); tick(); }) };
})();
