// The mention picker of the post form: type the start of a member's name, choose them, and
// "@handle " is inserted into the post where the caret is. The list comes from the server
// (GET /api/v1/deliberations/<slug>/handles?q=…); without this script, typing @handle works.
for (const picker of document.querySelectorAll("[data-mention-picker]")) {
  startPicker(picker);
}

function startPicker(picker) {
  const target = document.getElementById(picker.dataset.target);
  const search = picker.querySelector("input");
  const results = picker.querySelector("[data-mention-results]");
  if (!target || !search || !results) return;
  picker.hidden = false;
  let asked = 0;

  search.addEventListener("input", async () => {
    const query = search.value.trim().replace(/^@/, "");
    const ask = ++asked;
    if (!query) {
      show([]);
      return;
    }
    const url = new URL(picker.dataset.handlesUrl, window.location.href);
    url.searchParams.set("q", query);
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok || ask !== asked) return;
      show((await response.json()).items);
    } catch (problem) {
      console.warn("mentions: the list could not be fetched", problem);
    }
  });

  function show(members) {
    results.replaceChildren(
      ...members.map((member) => {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "link-button";
        const name = document.createElement("bdi");
        name.textContent = member.name;
        const handle = document.createElement("bdi");
        handle.textContent = `@${member.handle}`;
        button.append(name, " (", handle, ")");
        button.addEventListener("click", () => insert(member.handle));
        item.append(button);
        return item;
      }),
    );
    results.hidden = members.length === 0;
  }

  function insert(handle) {
    const start = target.selectionStart ?? target.value.length;
    const end = target.selectionEnd ?? start;
    const before = target.value.slice(0, start);
    const text = `${before && !/\s$/.test(before) ? " " : ""}@${handle} `;
    target.setRangeText(text, start, end, "end");
    target.dispatchEvent(new Event("input", { bubbles: true }));
    search.value = "";
    show([]);
    target.focus();
  }
}
