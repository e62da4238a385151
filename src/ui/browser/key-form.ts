import { el, type Child } from "./dom.js";
import { storeKey, type KeyNeeded } from "./function-key.js";

/** Asks for the function key when the API answered 401 or 403; the key is kept for this tab only. */
export function keyForm(error: KeyNeeded, rerender: () => Promise<void>): Child[] {
  const input = el("input", {
    type: "password",
    id: "functions-key",
    autocomplete: "off",
    required: true,
    "aria-describedby": "key-help",
  });
  const form = el(
    "form",
    { class: "key" },
    el("label", { for: "functions-key" }, "Function key"),
    input,
    el("button", { type: "submit" }, "Use this key"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    storeKey(input.value.trim());
    void rerender();
  });
  return [
    el("h1", {}, "A function key is needed"),
    el(
      "p",
      { id: "key-help" },
      error.message +
        " Open this page as .../api/ui?code=<function key>, or enter the key here: it is kept in this tab's session only and sent with the page's API calls.",
    ),
    form,
  ];
}
