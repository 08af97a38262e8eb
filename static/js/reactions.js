// Common ground, live: one-click reactions without a reload, and live counts.
//
// Without JavaScript every reaction is a plain form (POST, then back to the page). With it,
// a click sends `PUT /api/v1/posts/<id>/reaction` (the browser session + CSRF header) and
// the reader's button is pressed at once. The `reactions` event of the item's room says
// whose counts changed (anyone's reaction); the page then fetches them as the server renders
// them (`consensus.reaction_fragments`: the thread's totals, or Common Ground's chart and
// measures), a burst of changes in one request, and swaps them in by id.
// `opinions:updated` says the background recomputation of opinion groups and bridging gave a
// new result: the page fetches itself and swaps in its parts marked `data-live-opinions`.
// `summary:published` announces a new summary version (and the item page shows it). Only counts per stakeholder group
// ever arrive here: never who reacted how.
import {
  batcher,
  fetchFragment,
  format,
  onConnect,
  replaceNode,
  sharedSocket,
  swapBlocks,
  swapById,
} from "./live.js";

const configElement = document.getElementById("consensus-config");
const config = configElement ? JSON.parse(configElement.textContent) : null;
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content || "";
const strings = (config && config.strings) || {};

// Posts whose counts changed, fetched together (pages without counts fetch nothing).
const counts =
  config && config.urls && config.urls.reactions
    ? batcher(
        async (ids) => {
          if (ids.length) swapById(await fetchFragment(config.urls.reactions, { ids: ids.join(",") }));
        },
        { size: config.ids_per_fetch },
      )
    : null;

/** Fetch the post's counts if this page shows them. */
function refreshCounts(postId) {
  if (counts && document.querySelector(`[data-cg-post="${postId}"]`)) counts.add(Number(postId));
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
      refreshCounts(answer.post);
      say(form, strings.saved);
      await nextCard(form);
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

/** After a reaction on a "one at a time" card: swap in the next card, as the server
 * renders it (its offer recorded), and move the focus to it. */
async function nextCard(form) {
  const card = form.closest("[data-react-card]");
  if (!card || !card.dataset.nextUrl) return;
  const fresh = await fetchFragment(card.dataset.nextUrl);
  const next = fresh && fresh.querySelector("[data-react-card]");
  if (!next) return;
  const placed = replaceNode(card, document.importNode(next, true));
  placed.setAttribute("tabindex", "-1");
  placed.focus({ preventScroll: false });
}

/** A language's name in the page's language ("fr" reads "French" on an English page). */
function languageName(code) {
  try {
    return new Intl.DisplayNames([document.documentElement.lang], { type: "language" }).of(code) || code;
  } catch {
    return code;
  }
}

function announce(message) {
  // On the item page, the discussion's status line: the session panel's is hidden when no
  // session runs.
  const region =
    document.querySelector("[data-summary-live]") ||
    document.querySelector("#discussion [data-live-status]") ||
    document.querySelector("[data-live-status]");
  if (!region) return;
  region.hidden = false;
  region.textContent = message;
}

/** The background recomputation of opinion groups and bridging gave a new result: fetch
 * this page again as the server renders it and swap in its `[data-live-opinions]` parts
 * (Common Ground's bridging figures, the opinion page's map and tables). */
async function refreshOpinions() {
  const parts = document.querySelectorAll("[data-live-opinions][id]");
  if (!parts.length) return;
  const page = await fetchFragment(window.location.href);
  if (!page) return;
  let swapped = 0;
  for (const current of parts) {
    const fresh = page.querySelector(`#${CSS.escape(current.id)}`);
    if (fresh) {
      replaceNode(current, document.importNode(fresh, true));
      swapped += 1;
    }
  }
  if (swapped) announce(strings.recomputed);
}

/** The largest id a database row can have (INTEGER columns: 2³¹ − 1). */
const LARGEST_ID = 2 ** 31 - 1;

function connect() {
  if (!config || !config.item) return;
  const socket = sharedSocket();
  let joined = false;
  onConnect(socket, () => {
    // Joining the room is all we need: no posts back (after = the largest id a row can
    // have; the server refuses cursors past the database's integer range).
    socket.emit("join", { item: config.item, after: LARGEST_ID }, () => {});
    // Back after a dropped connection: counts may have changed meanwhile.
    if (joined) for (const entry of document.querySelectorAll("[data-cg-post]")) refreshCounts(entry.dataset.cgPost);
    joined = true;
  });
  socket.on("reactions", (data) => {
    if (data && data.item === config.item) refreshCounts(data.post);
  });
  socket.on("opinions:updated", (data) => {
    if (data && data.item === config.item) refreshOpinions();
  });
  socket.on("summary:published", async (data) => {
    if (!data || data.item !== config.item || !data.summary) return;
    announce(
      format(strings.published, {
        version: data.summary.version,
        language: languageName(data.summary.language),
      }),
    );
    // The item page shows the current summary in its consensus section: show the new one.
    if (document.querySelector("#consensus")) {
      const query = Object.fromEntries(new URLSearchParams(window.location.search));
      swapBlocks(await fetchFragment(window.location.pathname, query), ["#consensus"]);
    }
  });
}

wireForms();
connect();
