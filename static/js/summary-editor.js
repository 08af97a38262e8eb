// The consensus summary editor: "Cite" buttons insert a reference to the evidence
// ([post #12], [motion #3]) at the cursor of the section being written. Without JavaScript
// the reference is shown beside each piece of evidence, to be typed or copied.
const form = document.querySelector("[data-summary-editor]");

if (form) {
  const areas = [...form.querySelectorAll("textarea")];
  let target = areas[0] || null;
  for (const area of areas) area.addEventListener("focus", () => (target = area));

  for (const button of document.querySelectorAll("[data-cite]")) {
    button.hidden = false;
    button.addEventListener("click", () => {
      if (!target) return;
      const reference = button.dataset.cite;
      const start = target.selectionStart ?? target.value.length;
      const end = target.selectionEnd ?? start;
      const before = target.value.slice(0, start);
      const spacer = before && !/\s$/.test(before) ? " " : "";
      target.setRangeText(spacer + reference, start, end, "end");
      target.focus();
      target.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }
}
