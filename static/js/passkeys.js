/* Passkeys: registering one (preferences page) and signing a decision memo with one (sign-off page).
 *
 * The browser side of the WebAuthn ceremonies, through @simplewebauthn/browser (loaded before this file as the
 * global SimpleWebAuthnBrowser). The server issues every challenge and checks every answer; this script only
 * carries them. Whatever happens (an error, a cancelled prompt), the form is then posted as usual, so the page
 * that comes back says what went wrong next to the field, and nothing is decided here.
 */
(function () {
  "use strict";

  function submitForm(form, marker) {
    if (marker) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = marker[0];
      input.value = marker[1];
      form.appendChild(input);
    }
    HTMLFormElement.prototype.submit.call(form);
  }

  function say(form, text) {
    var status = form.querySelector("[data-passkey-status]");
    if (status) {
      status.textContent = text;
    }
  }

  async function fetchOptions(url, body) {
    var response = await fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) {
      return null;
    }
    var data = await response.json();
    return data.options || null;
  }

  function library() {
    return window.SimpleWebAuthnBrowser && window.SimpleWebAuthnBrowser.browserSupportsWebAuthn()
      ? window.SimpleWebAuthnBrowser
      : null;
  }

  /* Registration: <form data-passkey-register data-options-url="..."> with a "name" field and a hidden
   * "credential" field. */
  function bindRegistration(form) {
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      var credential = form.querySelector("input[name=credential]");
      var name = form.querySelector("input[name=name]");
      credential.value = "";
      var lib = library();
      if (lib && name && name.value.trim()) {
        try {
          say(form, "Follow your browser's prompt to create the passkey.");
          var options = await fetchOptions(form.dataset.optionsUrl, new FormData(form));
          if (options) {
            credential.value = JSON.stringify(await lib.startRegistration({ optionsJSON: options }));
          }
        } catch (error) {
          credential.value = "";
        }
      }
      submitForm(form);
    });
  }

  /* Sign-off: a <button data-passkey-sign> inside the sign-off form, which has a hidden "passkey_assertion". */
  function bindSignOff(button) {
    var form = button.form;
    var busy = false;
    button.addEventListener("click", async function (event) {
      event.preventDefault();
      if (busy) {
        return;
      }
      busy = true;
      button.disabled = true;
      var field = form.querySelector("input[name=passkey_assertion]");
      field.value = "";
      var lib = library();
      if (lib) {
        var body = new FormData(form);
        body.delete("password");
        body.delete("passkey_assertion");
        body.set("step_up", "passkey");
        body.set("passkey_options", "1");
        try {
          var options = await fetchOptions(form.action, body);
          if (options) {
            say(form, "Confirm with your passkey in your browser's prompt.");
            field.value = JSON.stringify(await lib.startAuthentication({ optionsJSON: options }));
          }
        } catch (error) {
          field.value = "";
        }
      }
      var password = form.querySelector("input[name=password]");
      if (password) {
        password.value = "";
      }
      submitForm(form, ["step_up", "passkey"]);
    });
  }

  function init() {
    document.querySelectorAll("form[data-passkey-register]").forEach(bindRegistration);
    document.querySelectorAll("button[data-passkey-sign]").forEach(bindSignOff);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
