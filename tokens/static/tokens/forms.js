/*
 * Errors of the API shown on the form that caused them.
 *
 * A DRF 400 body ``{"field": ["message", ...]}`` puts each message under the input named ``field``
 * (``aria-invalid`` set, the message joined to the input's ``aria-describedby``); messages for no
 * input of the form, and ``{"detail", "code"}`` bodies, go to the form's ``[data-form-error]``
 * alert, unless the caller names the input a code concerns (``codeFields``).
 */
(function (global) {
  "use strict";

  // Every sentence this file shows, from the page's djangojs catalogue (gettext, interpolate).
  const messages = {
    fallback: gettext("Something went wrong. Please try again."),
    throttled: (seconds) => interpolate(
      ngettext("Too many attempts. Try again in %(seconds)s s.", "Too many attempts. Try again in %(seconds)s s.", seconds),
      { seconds }, true),
    confirm: gettext("Confirm"),
  };

  function inputNamed(form, name) {
    const input = form.querySelector('[name="' + CSS.escape(name) + '"]');
    return input && input.type !== "hidden" ? input : null;
  }

  function messagesOf(value) {
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(messagesOf);
    if (value && typeof value === "object") return Object.values(value).flatMap(messagesOf);
    return [];
  }

  /** The message slot under an input, made on first use. */
  function slotFor(input) {
    const field = input.closest(".field") || input.parentElement;
    let slot = field.querySelector(".field-error");
    if (!slot) {
      slot = document.createElement("p");
      slot.className = "field-error";
      field.append(slot);
    }
    if (!slot.id) slot.id = input.id + "-error";
    return slot;
  }

  function markInvalid(input, messages) {
    const slot = slotFor(input);
    slot.textContent = messages.join(" ");
    input.setAttribute("aria-invalid", "true");
    const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (!described.includes(slot.id)) input.setAttribute("aria-describedby", [...described, slot.id].join(" "));
  }

  function clear(form) {
    for (const slot of form.querySelectorAll(".field-error")) slot.textContent = "";
    for (const input of form.querySelectorAll("[aria-invalid]")) {
      input.removeAttribute("aria-invalid");
      const slot = slotFor(input);
      const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && id !== slot.id);
      if (described.length) input.setAttribute("aria-describedby", described.join(" "));
      else input.removeAttribute("aria-describedby");
    }
    const top = form.querySelector("[data-form-error]");
    if (top) top.textContent = "";
  }

  /** Show an error body on ``form``; ``codeFields`` maps an error code to the input it concerns. */
  function show(form, body, { codeFields = {} } = {}) {
    clear(form);
    const general = [];
    if (body && typeof body.detail === "string" && typeof body.code === "string") {
      const input = codeFields[body.code] ? inputNamed(form, codeFields[body.code]) : null;
      if (input) markInvalid(input, [body.detail]);
      else general.push(body.detail);
    } else if (body && typeof body === "object" && !Array.isArray(body)) {
      for (const [name, value] of Object.entries(body)) {
        const input = inputNamed(form, name);
        if (input) markInvalid(input, messagesOf(value));
        else general.push(...messagesOf(value));
      }
    } else {
      general.push(...messagesOf(body));
    }
    if (body && body.code === "throttled" && body.retry_after > 0) return throttle(form, body.retry_after);
    if (!general.length && !form.querySelector("[aria-invalid]")) general.push(messages.fallback);
    const top = form.querySelector("[data-form-error]");
    if (top) top.textContent = general.join(" ");
    const first = form.querySelector("[aria-invalid]");
    if (first) first.focus();
  }

  /** A 429's wait on ``form``: the buttons stay disabled and the alert counts the seconds down;
   * what was typed stays, and the form works again when the wait is over. */
  function throttle(form, seconds) {
    const top = form.querySelector("[data-form-error]");
    const until = Date.now() + seconds * 1000;
    form.dataset.throttled = "";
    clearInterval(form.throttleTimer);
    const step = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left > 0) {
        if (top) top.textContent = messages.throttled(left);
        for (const button of form.querySelectorAll("button")) button.disabled = true;
        return;
      }
      clearInterval(form.throttleTimer);
      delete form.dataset.throttled;
      if (top) top.textContent = "";
      for (const button of form.querySelectorAll("button")) button.disabled = false;
    };
    step();
    form.throttleTimer = setInterval(step, 250);
  }

  /** Run ``work`` with the form's buttons disabled, so a double click sends one request; the
   * button that started it says it is busy. */
  async function busy(form, work) {
    const buttons = [...form.querySelectorAll("button")];
    const active = buttons.includes(document.activeElement) ? document.activeElement
      : form.querySelector("button[type=submit]");
    form.setAttribute("aria-busy", "true");
    if (active) active.setAttribute("aria-busy", "true");
    for (const button of buttons) button.disabled = true;
    try {
      return await work();
    } finally {
      // A form told to wait (429) stays disabled until its countdown ends.
      if (!("throttled" in form.dataset)) for (const button of buttons) button.disabled = false;
      form.removeAttribute("aria-busy");
      if (active) active.removeAttribute("aria-busy");
    }
  }

  /** An error belongs to the value that was submitted: it goes once the field is changed. */
  document.addEventListener("input", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLElement) || input.getAttribute("aria-invalid") !== "true") return;
    input.removeAttribute("aria-invalid");
    const slot = slotFor(input);
    slot.textContent = "";
    const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && id !== slot.id);
    if (described.length) input.setAttribute("aria-describedby", described.join(" "));
    else input.removeAttribute("aria-describedby");
  });

  /** Ask before a destructive action, in the page's ``#confirm-dialog`` (a modal ``<dialog>``:
   * focus inside it, Escape cancels). Resolves true when confirmed. */
  function confirm(text, confirmLabel) {
    const dialog = document.getElementById("confirm-dialog");
    document.getElementById("confirm-text").textContent = text;
    const ok = document.getElementById("confirm-ok");
    ok.textContent = confirmLabel || messages.confirm;
    const opener = document.activeElement;
    return new Promise((resolve) => {
      const done = (answer) => {
        ok.removeEventListener("click", yes);
        document.getElementById("confirm-cancel").removeEventListener("click", no);
        dialog.removeEventListener("cancel", no);
        if (dialog.open) dialog.close();
        if (opener && opener.isConnected) opener.focus();
        resolve(answer);
      };
      const yes = () => done(true);
      const no = (event) => { if (event) event.preventDefault(); done(false); };
      ok.addEventListener("click", yes);
      document.getElementById("confirm-cancel").addEventListener("click", no);
      dialog.addEventListener("cancel", no);
      dialog.showModal();
      document.getElementById("confirm-cancel").focus();
    });
  }

  global.AccountForms = { show, clear, busy, confirm };
})(window);
