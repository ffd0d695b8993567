/*
 * A browser client for the token API, on the cookie transport.
 *
 * The tokens live in HttpOnly cookies that the browser attaches by itself; script never sees them:
 * every login-type request asks for ``"transport": "cookie"``, and a refresh by the cookie is
 * answered the same way, so no answer body holds a token either (only lifetimes and the session id).
 * Unsafe requests carry Django's CSRF token (X-CSRFToken, read from the cookie options.csrfCookieName
 * names: settings.CSRF_COOKIE_NAME, "csrftoken" unless changed; the account page renders it).
 * On a 401 the client refreshes once and retries once; concurrent 401s share one refresh
 * (single flight), and a 401 to a request sent before a newer refresh just retries.
 * Tabs share the cookie jar; a BroadcastChannel tells the other tabs of a login, a refresh
 * or a logout so they update without a refresh of their own.
 */
(function (global) {
  "use strict";

  const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
  const EXPIRY_KEY = "auth.accessExpiresAt";
  const USER_KEY = "auth.user";
  const SESSION_KEY = "auth.session";
  // Asked on every request that ends in a token pair: the tokens in the HttpOnly cookies alone.
  const COOKIES_ONLY = { transport: "cookie" };
  // Its two sentences come from the page's djangojs catalogue (JavaScriptCatalog) when the page
  // loads one; a page without it reads them in English.
  const gettext = global.gettext || ((text) => text);
  const interpolate = global.interpolate
    || ((format, values) => format.replace(/%\((\w+)\)s/g, (whole, name) => values[name]));

  function readCookie(name) {
    const prefix = name + "=";
    for (const part of document.cookie.split(";")) {
      const item = part.trim();
      if (item.startsWith(prefix)) return decodeURIComponent(item.slice(prefix.length));
    }
    return null;
  }

  class AuthClient extends EventTarget {
    constructor(options = {}) {
      super();
      if (!options.base) throw new Error("AuthClient needs the auth endpoints' URL prefix (options.base)");
      this.base = options.base;
      this.csrfCookieName = options.csrfCookieName || "csrftoken";
      this.generation = 0;      // bumped by every refresh, here or in another tab
      this.refreshing = null;   // the refresh in flight, shared by every caller
      this.user = JSON.parse(localStorage.getItem(USER_KEY) || "null");
      this.accessExpiresAt = Number(localStorage.getItem(EXPIRY_KEY)) || null;
      // What the answers tell of the session (never its tokens): ``{id, endsAt}``.
      this.session = JSON.parse(localStorage.getItem(SESSION_KEY) || "null");
      this.channel = new BroadcastChannel(options.channelName || "auth");
      this.channel.onmessage = (event) => this.onMessage(event.data);
    }

    emit(type, detail) {
      this.dispatchEvent(new CustomEvent(type, { detail }));
    }

    send(path, { method = "GET", body, bearer } = {}) {
      const headers = { Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      // A token of one step that is no session (an enrollment_token), sent instead of the cookies'.
      if (bearer) headers.Authorization = "Bearer " + bearer;
      if (UNSAFE.has(method)) headers["X-CSRFToken"] = readCookie(this.csrfCookieName) || "";
      return fetch(this.base + path, {
        method, headers, credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    }

    /** Send a request; on a 401 refresh (once, shared) and retry once. */
    async request(path, options = {}) {
      const sentAt = this.generation;
      const response = await this.send(path, options);
      if (response.status !== 401) return response;
      if (this.generation === sentAt && !(await this.refresh("401 from " + path))) return response;
      return this.send(path, options);
    }

    /** Refresh the pair; every caller during one refresh gets the same promise (single flight). */
    refresh(reason) {
      if (!this.refreshing) {
        this.refreshing = this.doRefresh(reason).finally(() => { this.refreshing = null; });
      }
      return this.refreshing;
    }

    async doRefresh(reason) {
      let response;
      try {
        response = await this.send("refresh/", { method: "POST" });
      } catch (error) {
        this.emit("error", { message: "refresh failed: " + error });
        return false;
      }
      if (response.ok) {
        const body = await response.json();
        this.adopt(this.user, body.expires_in, this.sessionOf(body));
        this.emit("refresh", { reason, expiresAt: this.accessExpiresAt, here: true });
        this.channel.postMessage({ type: "refresh", expiresAt: this.accessExpiresAt, session: this.session, reason });
        return true;
      }
      if (response.status >= 500) {
        this.emit("error", { message: "refresh failed with " + response.status });
        return false;
      }
      // Back to the login form; a first visit, signed in nowhere, has nothing to announce. A session
      // ended elsewhere says why (``token_revoked`` carries ``reason``), so the page can tell.
      let cause = null;
      try {
        const body = await response.json();
        if (body && body.code === "token_revoked") cause = body.reason || "revoked";
        else if (body && body.code === "token_expired") cause = "expired";
      } catch (error) {
        cause = null;
      }
      if (this.user !== null) this.signedOut("refresh failed (" + response.status + ")", true, cause);
      return false;
    }

    async login(username, password) {
      return this.signIn("login/", { username, password });
    }

    /** POST to an endpoint that answers a token pair plus ``user`` (login and its other steps);
     * on success this tab and the others are signed in. ``options.bearer``: the step's token. */
    async signIn(path, payload, options = {}) {
      const body = { ...payload, ...COOKIES_ONLY };
      const result = await this.call(path, { method: "POST", body, anonymous: true, ...options });
      if (result.ok) {
        this.adopt(result.body.user, result.body.expires_in, this.sessionOf(result.body));
        this.emit("login", { user: this.user });
        this.channel.postMessage({ type: "login", user: this.user, expiresAt: this.accessExpiresAt, session: this.session });
      }
      return result;
    }

    /** Prove a credential again (``reauthenticate/``): the answer is a new pair for this session,
     * which the other tabs learn of like a refresh. */
    async reauthenticate(payload) {
      const body = { ...payload, ...COOKIES_ONLY };
      const result = await this.call("reauthenticate/", { method: "POST", body });
      if (result.ok) {
        this.adopt(this.user, result.body.expires_in, this.sessionOf(result.body));
        this.emit("refresh", { reason: "re-authenticated", expiresAt: this.accessExpiresAt, here: true });
        this.channel.postMessage({ type: "refresh", expiresAt: this.accessExpiresAt, session: this.session, reason: "re-authenticated" });
      }
      return result;
    }

    /** A request whose answer is read as JSON: ``{ok, status, body}`` (``body`` null when empty).
     * ``anonymous`` requests go out once, without the refresh-and-retry of signed-in calls. */
    async call(path, { anonymous = false, ...options } = {}) {
      let response;
      try {
        response = await (anonymous ? this.send(path, options) : this.request(path, options));
      } catch (error) {
        return { ok: false, status: 0, body: { detail: gettext("The server could not be reached."), code: "network_error" } };
      }
      const text = await response.text();
      let body = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch (error) {
        const detail = interpolate(gettext("The server answered %(status)s."), { status: response.status }, true);
        body = { detail, code: "unexpected_response" };
      }
      // A 429 says how long to wait (``Retry-After``, seconds); the form shows it counting down.
      if (response.status === 429 && body && typeof body === "object") {
        body.retry_after = Number(response.headers.get("Retry-After")) || 0;
      }
      return { ok: response.ok, status: response.status, body };
    }

    async logout(path = "logout/") {
      const response = await this.request(path, { method: "POST" });
      this.signedOut(path === "logout/" ? "logged out" : "logged out everywhere", true);
      return response;
    }

    /** On page load: are the cookies still good for someone? (refreshes through request() if needed)
     * ``session/`` answers from the token and Redis alone, with the access token's real expiry. */
    async restore() {
      const response = await this.request("session/");
      if (!response.ok) {
        if (this.user !== null) this.signedOut("not signed in", false);
        return false;
      }
      const session = await response.json();
      this.accessExpiresAt = Date.parse(session.access_expires_at);
      this.adopt(session.user, null, { id: session.session_id, endsAt: Date.parse(session.session_expires_at) });
      this.emit("login", { user: this.user, restored: true });
      return true;
    }

    /** The session a pair answer names, and when it ends unless refreshed first. */
    sessionOf(body) {
      return { id: body.session_id, endsAt: Date.now() + body.refresh_expires_in * 1000 };
    }

    adopt(user, expiresIn, session) {
      this.generation += 1;
      this.user = user;
      this.session = session;
      if (expiresIn !== null) this.accessExpiresAt = Date.now() + expiresIn * 1000;
      localStorage.setItem(USER_KEY, JSON.stringify(user));
      localStorage.setItem(EXPIRY_KEY, String(this.accessExpiresAt || ""));
      localStorage.setItem(SESSION_KEY, JSON.stringify(session));
    }

    /** ``cause``: why the server ended the session (a ``token_revoked`` reason), when it did. */
    signedOut(reason, tellOthers, cause = null) {
      this.user = null;
      this.accessExpiresAt = null;
      this.session = null;
      localStorage.removeItem(USER_KEY);
      localStorage.removeItem(EXPIRY_KEY);
      localStorage.removeItem(SESSION_KEY);
      this.emit("logout", { reason, cause });
      if (tellOthers) this.channel.postMessage({ type: "logout", reason, cause });
    }

    onMessage(message) {
      if (message.type === "login") {
        this.generation += 1;
        this.user = message.user;
        this.accessExpiresAt = message.expiresAt;
        this.session = message.session;
        this.emit("login", { user: this.user, fromOtherTab: true });
      } else if (message.type === "refresh") {
        this.generation += 1;
        this.accessExpiresAt = message.expiresAt;
        this.session = message.session;
        this.emit("refresh", { reason: "another tab: " + message.reason, expiresAt: message.expiresAt, here: false });
      } else if (message.type === "logout") {
        this.signedOut("another tab: " + message.reason, false, message.cause || null);
      }
    }
  }

  global.AuthClient = AuthClient;
})(window);
