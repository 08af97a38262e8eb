// Common ground, live: one-click reactions without a reload, and live counts.
//
// Without JavaScript every reaction is a plain form (POST, then back to the page). With it,
// a click sends `PUT /api/v1/posts/<id>/reaction` (the browser session + CSRF header) and the
// post's counts change in place; the `reactions` event of the item's room updates them when
// anyone else reacts, and `summary:published` announces a new summary version. Only counts
// per stakeholder group ever arrive here: never who reacted how.
import { onConnect, sharedSocket } from "./live-socket.js";

const configElement = document.getElementById("consensus-config");
const config = configElement ? JSON.parse(configElement.textContent) : null;
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content || "";
const strings = (config && config.strings) || {};
const locale = (config && config.locale) || document.documentElement.lang || "en";
const newest = new Map(); // post id → as_of of the counts shown

function format(template, values) {
  return (template || "").replace(/\{(\w+)\}/g, (match, name) =>
    name in values ? String(values[name]) : match,
  );
}

function fraction(text) {
  const [numerator, denominator = "1"] = String(text).split("/");
  return Number(numerator) / Number(denominator);
}

const decimal = new Intl.NumberFormat(locale, {
  minimumFractionDigits: 3,
  maximumFractionDigits: 3,
});
const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });

function setBar(row, counts) {
  const seen = counts.agree + counts.disagree + counts.pass;
  const share = (n) => (seen ? ((100 * n) / seen).toFixed(2) : "0");
  const segments = {
    agree: [0, counts.agree],
    pass: [counts.agree, counts.pass],
    disagree: [counts.agree + counts.pass, counts.disagree],
  };
  for (const [stance, [before, value]] of Object.entries(segments)) {
    const rect = row.querySelector(`[data-bar="${stance}"]`);
    if (rect) {
      rect.setAttribute("x", share(before));
      rect.setAttribute("width", share(value));
    }
    const cell = row.querySelector(`[data-count="${stance}"]`);
    if (cell) cell.textContent = String(value);
  }
  const title = row.querySelector("[data-bar-title]");
  if (title) {
    title.textContent = format(strings.bar, {
      group: row.dataset.groupName || row.dataset.group,
      agree: counts.agree,
      disagree: counts.disagree,
      pass: counts.pass,
    });
  }
}

// Show a post's new aggregates, unless newer ones are already shown.
function showReactions(data) {
  const entry = document.querySelector(`[data-cg-post="${data.post}"]`);
  if (!entry) return;
  const previous = newest.get(data.post);
  if (previous && data.as_of && data.as_of < previous) return;
  if (data.as_of) newest.set(data.post, data.as_of);
  for (const group of data.groups || []) {
    const row = entry.querySelector(`tr[data-group="${CSS.escape(group.key)}"]`);
    if (row) setBar(row, group);
  }
  for (const stance of ["agree", "disagree", "pass"]) {
    const total = entry.querySelector(`[data-total="${stance}"]`);
    if (total) total.textContent = String(data[stance]);
  }
  const gic = entry.querySelector('[data-measure="gic"]');
  if (gic) gic.textContent = decimal.format(fraction(data.group_informed_consensus));
  const least = entry.querySelector('[data-measure="min_agreement"]');
  if (least) least.textContent = percent.format(fraction(data.min_agreement));
  const majority = entry.querySelector('[data-measure="majority"]');
  if (majority && data.majority_consensus) {
    majority.textContent = data.majority_consensus.qualifies ? strings.yes : strings.no;
  }
}

function pressed(form, stance) {
  for (const button of form.querySelectorAll("button[name=stance]")) {
    button.setAttribute("aria-pressed", String(button.value === stance));
  }
}

function say(form, message) {
  const status = form.querySelector("[data-reaction-status]");
  if (status) status.textContent = message;
}

async function react(form, stance) {
  const url = format(config.api.reaction, { post: form.dataset.post });
  const response = await fetch(url, {
    method: "PUT",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": csrfToken,
    },
    body: JSON.stringify({ stance }),
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body && body.error ? body.error.message : response.statusText;
    throw Object.assign(new Error(message), { refused: true });
  }
  return body;
}

// One listener for every reaction form, so the forms of posts that arrive live work too.
function wireForms() {
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest && event.target.closest("[data-reaction-form]");
    if (!form || !config) return;
    const button = event.submitter;
    if (!button || button.name !== "stance") return;
    event.preventDefault();
    const stance = button.value;
    const before = form.querySelector('button[aria-pressed="true"]')?.value;
    pressed(form, stance);
    form.setAttribute("aria-busy", "true");
    try {
      const answer = await react(form, stance);
      pressed(form, answer.stance);
      showReactions(answer.reactions);
      say(form, strings.saved);
    } catch (error) {
      if (!error.refused) {
        // Network trouble: let the plain form do it (the page reloads).
        const field = Object.assign(document.createElement("input"), {
          type: "hidden",
          name: "stance",
          value: stance,
        });
        form.append(field);
        form.submit();
        return;
      }
      pressed(form, before);
      say(form, format(strings.failed, { message: error.message }));
    } finally {
      form.removeAttribute("aria-busy");
    }
  });
}

function announce(message) {
  const region = document.querySelector("[data-summary-live], [data-live-status]");
  if (!region) return;
  region.hidden = false;
  region.textContent = message;
}

function connect() {
  if (!config || !config.item) return;
  const socket = sharedSocket();
  onConnect(socket, () => {
    // Joining the room is all we need: no posts back (after = the largest id there is).
    socket.emit("join", { item: config.item, after: Number.MAX_SAFE_INTEGER }, () => {});
  });
  socket.on("reactions", (data) => {
    if (data && data.item === config.item) showReactions(data);
  });
  socket.on("summary:published", (data) => {
    if (!data || data.item !== config.item || !data.summary) return;
    announce(
      format(strings.published, {
        version: data.summary.version,
        language: data.summary.language,
      }),
    );
  });
}

wireForms();
connect();
