/* The demo page (``/demo/``): the account page plus a view of what the client does behind the
 * scenes: the access token's countdown, the session's id and end, its renewals and sign-outs, and
 * calls that show one refresh shared by many requests. The account page itself shows none of it. */
(function () {
  "use strict";

  // Every sentence this file shows, from the page's djangojs catalogue (gettext, interpolate).
  // What it logs of the client's events (their reasons) is the client's own, in English.
  const format = (text, values) => interpolate(text, values, true);
  const messages = {
    unknown: gettext("unknown"),
    expired: gettext("expired: the next call renews it"),
    seconds: (value) => format(gettext("%(value)s s"), { value }),
    parallel: (ok) => format(gettext("%(ok)s of 5 succeeded"), { ok }),
    signedOut: (reason) => format(gettext("signed out: %(reason)s"), { reason }),
    silentRefresh: (reason) => format(gettext("silent refresh (%(reason)s)"), { reason }),
    refreshedBy: (reason) => format(gettext("refreshed by %(reason)s"), { reason }),
  };

  const $ = (id) => document.getElementById(id);
  const { client } = window.accountPage;

  function log(text) {
    const item = document.createElement("li");
    item.textContent = new Date().toLocaleTimeString(document.documentElement.lang || undefined) + "  " + text;
    $("refresh-log").prepend(item);
  }

  function output(label, value) {
    $("output").textContent = label + "\n" + (typeof value === "string" ? value : JSON.stringify(value, null, 2));
  }

  function tick() {
    const left = client.accessExpiresAt ? Math.max(0, client.accessExpiresAt - Date.now()) : null;
    $("countdown").textContent = left === null ? messages.unknown : left > 0
      ? messages.seconds((left / 1000).toFixed(1)) : messages.expired;
    // What the answers tell of the session: its id and end, never a token.
    const session = client.session;
    $("session-id").textContent = session ? session.id : messages.unknown;
    $("session-ends").textContent = session && session.endsAt
      ? new Date(session.endsAt).toLocaleString(document.documentElement.lang || undefined) : messages.unknown;
    $("activity-signed-in").hidden = client.user === null;
  }

  $("btn-me").addEventListener("click", async () => {
    const result = await client.call("me/");
    output("GET me/", { status: result.status, body: result.body });
  });

  $("btn-parallel").addEventListener("click", async () => {
    const responses = await Promise.all(Array.from({ length: 5 }, () => client.request("me/")));
    output("5 parallel GET me/", messages.parallel(responses.filter((response) => response.ok).length));
  });

  document.addEventListener("account:log", (event) => log(event.detail));
  client.addEventListener("logout", (event) => {
    $("output").textContent = "";
    log(messages.signedOut(event.detail.reason + (event.detail.cause ? " (" + event.detail.cause + ")" : "")));
  });
  client.addEventListener("refresh", (event) => {
    log(event.detail.here ? messages.silentRefresh(event.detail.reason) : messages.refreshedBy(event.detail.reason));
  });
  client.addEventListener("error", (event) => log(event.detail.message));

  setInterval(tick, 200);
  tick();
})();
