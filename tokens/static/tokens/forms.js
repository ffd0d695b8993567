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
    if (!general.length && !form.querySelector("[aria-invalid]")) general.push("Something went wrong. Please try again.");
    const top = form.querySelector("[data-form-error]");
    if (top) top.textContent = general.join(" ");
    const first = form.querySelector("[aria-invalid]");
    if (first) first.focus();
  }

  /** Run ``work`` with the form's buttons disabled, so a double click sends one request. */
  async function busy(form, work) {
    const buttons = [...form.querySelectorAll("button")];
    form.setAttribute("aria-busy", "true");
    for (const button of buttons) button.disabled = true;
    try {
      return await work();
    } finally {
      for (const button of buttons) button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  }

  global.AccountForms = { show, clear, busy };
})(window);
