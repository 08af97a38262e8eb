// What every live page shares: one Socket.IO connection, server-rendered fragments fetched
// and swapped in, and the formatting of translated strings.
//
// The server renders; socket events say what changed; a page fetches the HTML of what
// changed (rendered by the same Jinja macro as the first paint) and puts it in place.
//
//   import { batcher, fetchFragment, format, onConnect, sharedSocket, swapById } from "./live.js";
//   const socket = sharedSocket();
//   onConnect(socket, () => socket.emit("join", ...)); // also runs if already connected
//   const counts = batcher((ids) => fetchFragment(url, { ids: ids.join(",") }).then(swapById));
//   socket.on("reactions", (event) => counts.add(event.post)); // a burst: one request
import { io } from "../vendor/socket.io/socket.io.esm.min.js";

let socket = null;

/** The page's socket, opened on first use (with the page's session cookie). Every live
 * module shares it: each `io()` call would otherwise open a connection of its own. */
export function sharedSocket() {
  if (socket === null) socket = io();
  return socket;
}

/** Run `callback` on every (re)connection, and now if the socket is already connected. */
export function onConnect(target, callback) {
  target.on("connect", callback);
  if (target.connected) callback();
}

/** Fill the `{name}` placeholders of a translated string; unknown names stay as they are. */
export function format(template, values) {
  return (template || "").replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));
}

/** Numbers as the server writes them: the page's locale, in the digits Babel uses for it
 * (`<html data-numbering>`), so a live count never switches digits. */
export function numberFormat(options = {}) {
  const root = document.documentElement;
  return new Intl.NumberFormat(root.lang || undefined, {
    ...(root.dataset.numbering ? { numberingSystem: root.dataset.numbering } : {}),
    ...options,
  });
}

// --- fragments ---------------------------------------------------------------------------------

/** The nodes of an HTML string, parsed as a template's content (so `<li>` or `<tr>` at the
 * top level parse as they are, and no script runs). */
export function parseFragment(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content;
}

/**
 * GET `url` (plus `params`; empty values are left out) as HTML, with the page's cookies.
 * Resolves with the parsed fragment, or null when the server refused or sent elsewhere (a
 * lapsed session lands on the sign-in page) or the network failed: the caller keeps what
 * it shows, and the next event or reconnection tries again.
 */
export async function fetchFragment(url, params = {}) {
  const target = new URL(url, window.location.href);
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") target.searchParams.set(name, value);
  }
  try {
    const response = await fetch(target, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (!response.ok || response.redirected) return null;
    return parseFragment(await response.text());
  } catch (problem) {
    console.warn("live: fetching a fragment failed", problem);
    return null;
  }
}

/**
 * Replace `current` by `replacement`, keeping the keyboard focus where it was: on the
 * element of the replacement that matches the focused one (same id, else the same name and
 * value or action under the nearest element with an id), with the caret of a text field.
 * `keep`: a selector of `current`'s parts to carry over into the replacement when it has
 * none of their own (e.g. a reply being written under a post that was edited meanwhile).
 */
export function replaceNode(current, replacement, { keep = null } = {}) {
  const focus = focusOf(current);
  if (keep) {
    for (const part of current.querySelectorAll(keep)) {
      if (!part.id || !replacement.querySelector(`#${CSS.escape(part.id)}`)) replacement.append(part);
    }
  }
  current.replaceWith(replacement);
  if (focus) restoreFocus(replacement, focus);
  return replacement;
}

/** Replace every element of the document that has the id of a top-level element of
 * `fragment` (others are ignored); returns the elements put in place. */
export function swapById(fragment) {
  const swapped = [];
  if (!fragment) return swapped;
  for (const fresh of [...fragment.children]) {
    const current = fresh.id ? document.getElementById(fresh.id) : null;
    if (current) swapped.push(replaceNode(current, fresh));
  }
  return swapped;
}

/** Replace, for each selector, the document's element by the one of `source` (a parsed
 * page or fragment), e.g. the blocks of a freshly fetched page. */
export function swapBlocks(source, selectors) {
  for (const selector of selectors) {
    const current = document.querySelector(selector);
    const fresh = source && source.querySelector(selector);
    if (current && fresh) replaceNode(current, document.importNode(fresh, true));
  }
}

function focusOf(container) {
  const active = document.activeElement;
  if (!active || active === document.body || !container.contains(active)) return null;
  const anchor = active.id ? active : active.parentElement.closest("[id]");
  const attributes = ["name", "value", "data-action"].filter((name) => active.hasAttribute(name));
  return {
    anchor: anchor && container.contains(anchor) ? anchor.id : null,
    selector: active.id
      ? `#${CSS.escape(active.id)}`
      : active.localName +
        attributes.map((name) => `[${name}="${CSS.escape(active.getAttribute(name))}"]`).join(""),
    selection: "selectionStart" in active ? [active.selectionStart, active.selectionEnd] : null,
  };
}

function restoreFocus(replacement, focus) {
  let scope = replacement;
  if (focus.anchor && replacement.id !== focus.anchor) {
    scope = replacement.querySelector(`#${CSS.escape(focus.anchor)}`) || replacement;
  }
  const target = scope.matches(focus.selector) ? scope : scope.querySelector(focus.selector);
  if (!target) return;
  target.focus({ preventScroll: true });
  if (focus.selection && focus.selection[0] !== null) {
    try {
      target.setSelectionRange(...focus.selection);
    } catch {
      // Not a text field after all (e.g. a button with the same name): the focus is enough.
    }
  }
}

// --- coalescing --------------------------------------------------------------------------------

/**
 * Coalesce work on keys (post ids …): `add(...keys)` collects them and runs `run(keys)`
 * once, `delay` ms after the first, so a burst of events costs one request. One run at a
 * time: keys added meanwhile wait for the next. Keys are given in ascending order, at most
 * `size` per run (a fragment route's limit). `flush(...keys)` runs without the delay and
 * resolves once the keys have been handled. `add()` without keys schedules a run too (a
 * refresh of a whole block).
 */
export function batcher(run, { delay = 100, size = Infinity } = {}) {
  let pending = new Set();
  let timer = null;
  let next = null; // the run that has not started yet: it takes every key pending when it does
  let chain = Promise.resolve();

  function start() {
    window.clearTimeout(timer);
    timer = null;
    if (next) return next;
    next = chain.then(async () => {
      next = null;
      const keys = [...pending].sort((a, b) => a - b);
      pending = new Set();
      for (let index = 0; index === 0 || index < keys.length; index += size) {
        try {
          await run(keys.slice(index, index + size));
        } catch (problem) {
          console.warn("live: an update failed", problem);
        }
      }
    });
    chain = next;
    return next;
  }

  return {
    add(...keys) {
      for (const key of keys) pending.add(key);
      if (timer === null && next === null) timer = window.setTimeout(start, delay);
    },
    flush(...keys) {
      for (const key of keys) pending.add(key);
      return start();
    },
  };
}
