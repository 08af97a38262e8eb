// Switch the interface language as soon as one is picked; the button stays for no-JS use.
const form = document.querySelector(".language-switcher");
if (form) {
  const select = form.querySelector("select");
  const button = form.querySelector("button");
  if (button) button.hidden = true;
  select.addEventListener("change", () => form.submit());
}
