// The live session of a deliberation (DESIGN §5, room `deliberation:<slug>`), as every
// participant sees it: the latest announcement, the item under discussion, the round's
// countdown, the speaker and the speakers' queue, and the member's own floor request.
//
// The panel is complete without this script (server-rendered, plain forms). With it, the
// panel follows the room's `session:state` events and sends floor requests over the socket.
// The countdown runs from the server's `ends_at`, corrected by the offset between the
// server's clock (`server_time` of each state) and this browser's.
//
// The console (console.js) imports the session helpers exported here.
import { fetchFragment, format, numberFormat, onConnect, sharedSocket } from "./live.js";

/** The server's clock as seen from here: `now()` in server milliseconds. */
export class ServerClock {
  constructor() {
    this.offset = 0;
  }

  sync(serverTime) {
    const parsed = Date.parse(serverTime || "");
    if (!Number.isNaN(parsed)) this.offset = parsed - Date.now();
  }

  now() {
    return Date.now() + this.offset;
  }
}

/** `m:ss` (or `h:mm:ss`) for a number of milliseconds, rounded up to the second, in the
 * page's digits. */
export function formatDuration(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const one = numberFormat({ useGrouping: false });
  const two = numberFormat({ useGrouping: false, minimumIntegerDigits: 2 });
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = two.format(total % 60);
  return hours ? `${one.format(hours)}:${two.format(minutes)}:${seconds}` : `${one.format(minutes)}:${seconds}`;
}

/**
 * Keep every `[data-countdown][data-ends-at]` under `root` counting down. The countdowns
 * are silent (a screen reader would hear every second): `root`'s `[data-round-announcer]`
 * live region says a round's start, its last minute and its end, once each. A round whose
 * time ran out more than `clearAfter` seconds ago leaves its `[data-now-round]` (the
 * participants' panel; the console keeps it until stopped).
 */
export function startCountdowns(root, clock, strings, { clearAfter = null } = {}) {
  const phases = new WeakMap(); // countdown → "endsAt phase" last seen
  let first = true; // what the page showed when it opened was not news
  const tick = () => {
    for (const element of root.querySelectorAll("[data-countdown]")) {
      const endsAt = Date.parse(element.dataset.endsAt || "");
      if (Number.isNaN(endsAt)) continue;
      const remaining = endsAt - clock.now();
      element.textContent =
        remaining > 0 ? format(strings.remaining, { time: formatDuration(remaining) }) : strings.time_up;
      element.classList.toggle("is-over", remaining <= 0);
      const phase = remaining <= 0 ? "end" : remaining <= 60000 ? "minute" : "running";
      const seen = phases.get(element);
      const key = `${element.dataset.endsAt} ${phase}`;
      if (seen !== key) {
        phases.set(element, key);
        const sameRound = seen && seen.startsWith(`${element.dataset.endsAt} `);
        if (!first && !(phase === "running" && sameRound)) {
          roundNews(
            root,
            phase === "end"
              ? strings.time_up
              : phase === "minute"
                ? strings.one_minute
                : format(strings.round_started, { time: formatDuration(remaining) }),
          );
        }
      }
      if (clearAfter !== null && remaining < -clearAfter * 1000) {
        const round = element.closest("[data-now-round]");
        if (round) round.hidden = true;
      }
    }
    first = false;
  };
  tick();
  return window.setInterval(tick, 250);
}

/** Say something about the round through the page's polite live region. */
function roundNews(root, text) {
  const region = root.querySelector("[data-round-announcer]");
  if (region) region.textContent = text;
}

/** A member's name isolated from the text around it (an Arabic name in an English line). */
export function nameNode(name) {
  const bdi = document.createElement("bdi");
  bdi.textContent = name || "";
  return bdi;
}

/** The nodes of a translated string whose `{name}` placeholders are filled by `values`
 * (nodes go in as they are, anything else as text). */
export function formatNodes(template, values) {
  return (template || "").split(/(\{\w+\})/).map((part) => {
    const key = part.slice(1, -1);
    if (!/^\{\w+\}$/.test(part) || !(key in values)) return part;
    return values[key] instanceof Node ? values[key] : String(values[key]);
  });
}

/** A count in words: the server's plural forms of the message (by CLDR category, as
 * `Intl.PluralRules` names them) with the count in the page's digits. */
export function pluralText(forms, count, language) {
  const category = new Intl.PluralRules(language).select(count);
  const template = forms[category] || forms.other || Object.values(forms)[0] || "{count}";
  return format(template, { count: numberFormat().format(count) });
}

/** The item's title in `language` when translated, else the original. */
export function itemTitle(item, language) {
  return (item.titles && item.titles[language]) || item.title;
}

/** An agenda item's page, from the template address ending in `/0`. */
export function itemUrl(config, itemId) {
  return config.item_url.replace(/\/0$/, `/${itemId}`);
}

/** A group key's display name (or "without a group"). */
export function groupName(config, key) {
  if (!key) return config.strings.no_group;
  return config.groups[key] || key;
}

/**
 * Follow a deliberation's session. `handlers`: onState(state), onAnnouncement(a),
 * onGranted(g), onPresence(p), onStatus(state, detail), onJoined(ack). States arriving out
 * of order are told apart by `version`: an older one never replaces a newer.
 */
export function connectSession(slug, handlers) {
  const socket = sharedSocket(); // one connection per page, shared with the other modules
  const clock = handlers.clock || new ServerClock();
  let version = -1;
  const status = handlers.onStatus || (() => {});

  function accept(state) {
    if (!state || state.deliberation !== slug || state.version < version) return;
    version = state.version;
    clock.sync(state.server_time);
    handlers.onState(state);
  }

  onConnect(socket, () => {
    socket.emit("session:join", { deliberation: slug }, (ack) => {
      if (!ack || !ack.ok) {
        status("offline", ack && ack.error ? ack.error.message : "");
        return;
      }
      status("live");
      accept(ack.state);
      if (handlers.onPresence) handlers.onPresence(ack.presence);
      if (handlers.onJoined) handlers.onJoined(ack);
    });
  });
  socket.on("disconnect", () => status("offline"));
  socket.on("connect_error", () => status("offline"));
  socket.on("session:state", accept);
  socket.on("announcement", (announcement) => {
    if (announcement.deliberation === slug && handlers.onAnnouncement) handlers.onAnnouncement(announcement);
  });
  socket.on("floor:granted", (granted) => {
    if (granted.deliberation === slug && handlers.onGranted) handlers.onGranted(granted);
  });
  socket.on("session:presence", (presence) => {
    if (presence.deliberation === slug && handlers.onPresence) handlers.onPresence(presence);
  });

  return {
    socket,
    clock,
    /** Send an event about this deliberation; resolves with its ack. */
    send(event, data = {}) {
      return new Promise((resolve) => {
        if (!socket.connected) {
          resolve({ ok: false, error: { code: "offline", message: "" } });
          return;
        }
        socket.timeout(10000).emit(event, { ...data, deliberation: slug }, (error, ack) => {
          resolve(error ? { ok: false, error: { code: "timeout", message: "" } } : ack);
        });
      });
    },
  };
}

// --- the participants' panel -------------------------------------------------------------------

const panel = document.querySelector("[data-live-session]");
const panelConfig = document.getElementById("live-session-config");
if (panel && panelConfig) startPanel(panel, JSON.parse(panelConfig.textContent));

function startPanel(panel, config) {
  const strings = config.strings;
  const me = config.me || {};
  const clock = new ServerClock();
  const $ = (selector) => panel.querySelector(selector);
  const liveStatus = $("[data-live-status]");
  const errorBox = $("[data-floor-error]");
  const consoleLink = document.querySelector(".console-link");
  startCountdowns(panel, clock, strings, { clearAfter: config.round_finished_ttl });
  const region = $("[data-announcement]");
  let announcementTimer = null;
  let lastState = null;
  if (!config.signed_in) return; // sockets need an account; the panel stays as served

  const connection = connectSession(config.deliberation, {
    clock,
    onState: render,
    onStatus(state, detail) {
      liveStatus.dataset.state = state;
      liveStatus.textContent = state === "live" ? strings.live : detail || strings.offline;
    },
    onAnnouncement() {
      region.classList.add("is-new");
      window.setTimeout(() => region.classList.remove("is-new"), 4000);
    },
  });

  /** Whether a round's time ran out so long ago that it has left the panel. */
  function roundGone(round) {
    return Boolean(round) && Date.parse(round.ends_at) + config.round_finished_ttl * 1000 < clock.now();
  }

  /** The banner: the server renders the announcement (its time in the reader's locale) into
   * the live region that is already in the page; it leaves at `expires_at`. */
  async function showAnnouncement(announcement) {
    const shown = region.querySelector("[data-announcement-id]");
    const shownId = shown ? Number(shown.dataset.announcementId) : null;
    window.clearTimeout(announcementTimer);
    if (announcement && announcement.expires_at) {
      const left = Date.parse(announcement.expires_at) - clock.now();
      announcementTimer = window.setTimeout(() => {
        if (lastState) render({ ...lastState, announcement: null });
      }, Math.max(0, left));
    }
    if ((announcement ? announcement.id : null) === shownId) return;
    if (!announcement) {
      region.replaceChildren();
      return;
    }
    const fresh = await fetchFragment(config.announcement_url);
    if (fresh) region.replaceChildren(fresh);
  }

  function render(state) {
    lastState = state;
    const idle = !(state.current_item || (state.round && !roundGone(state.round)) || state.speaker || state.announcement);
    panel.hidden = idle;
    if (consoleLink) consoleLink.hidden = !idle;
    showAnnouncement(state.announcement);

    const nowItem = $("[data-now-item]");
    if (state.item) {
      const link = document.createElement("a");
      link.href = itemUrl(config, state.item.id);
      link.textContent = format(strings.now_on, {
        numeral: state.item.numeral,
        title: itemTitle(state.item, config.language),
      });
      fill(nowItem, link);
    } else {
      fill(nowItem, strings.no_item);
    }

    const round = $("[data-now-round]");
    const countdown = $("[data-countdown]");
    round.hidden = !state.round || roundGone(state.round);
    if (state.round) {
      $("[data-round-title]").textContent = state.round.title || $("[data-round-title]").textContent;
      countdown.dataset.endsAt = state.round.ends_at;
      countdown.setAttribute("datetime", state.round.ends_at);
    } else {
      delete countdown.dataset.endsAt;
    }

    const speaker = $("[data-now-speaker]");
    speaker.classList.toggle("has-speaker", Boolean(state.speaking));
    if (state.speaking) {
      const group = document.createElement("span");
      group.className = "queue-group";
      group.textContent = state.speaking.group ? groupName(config, state.speaking.group) : "";
      fill(speaker, ...formatNodes(strings.speaking, { name: nameNode(state.speaking.name) }), " ", group);
    } else {
      fill(speaker, strings.nobody_speaking);
    }

    // An empty list is left out (screen readers would announce "list, 0 items").
    const queue = document.createElement("ol");
    queue.className = "queue";
    queue.setAttribute("aria-labelledby", "session-queue-title");
    queue.append(
      ...state.queue.map((entry) => {
        const li = document.createElement("li");
        li.dataset.member = entry.member;
        const group = document.createElement("span");
        group.className = "queue-group";
        group.textContent = groupName(config, entry.group);
        li.append(nameNode(entry.name), " ", group);
        return li;
      }),
    );
    fill($("[data-queue]"), ...(state.queue.length ? [queue] : []));
    $("[data-queue-empty]").hidden = state.queue.length > 0;

    const place = state.queue.findIndex((entry) => entry.member === me.member) + 1;
    const speaking = me.member != null && state.speaker === me.member;
    const waiting = place > 0;
    const itemOpen = Boolean(state.item && state.item.status === "open" && !state.item.locked);
    $("[data-my-floor]").textContent = speaking
      ? strings.you_speak
      : waiting
        ? format(strings.you_wait, { place })
        : "";
    for (const input of panel.querySelectorAll("[data-floor-item]")) {
      input.value = state.current_item || "";
    }
    panel.querySelector('[data-floor-form="request"]').hidden = !(
      me.may_take_part && itemOpen && !waiting && !speaking
    );
    const withdraw = panel.querySelector('[data-floor-form="withdraw"]');
    withdraw.hidden = !(waiting || speaking);
    // Holding the floor, there is no request left to withdraw: the button gives the floor up.
    withdraw.querySelector("button").textContent = speaking ? strings.yield : strings.withdraw;
    keepFocusInPanel();
  }

  /** Put `nodes` in `element` unless it already shows the same: its live region then speaks
   * only of what changed, not of every state the room receives. */
  function fill(element, ...nodes) {
    const fresh = document.createElement("div");
    fresh.append(...nodes);
    if (fresh.innerHTML !== element.innerHTML) element.replaceChildren(...fresh.childNodes);
  }

  /** A button that just hid itself (its form answered) hands the focus to the form that took
   * its place, else to the member's floor line: never to the page's start. */
  function keepFocusInPanel() {
    const active = document.activeElement;
    if (!active || !panel.contains(active) || !active.closest("[hidden]")) return;
    const shown = [...panel.querySelectorAll("[data-floor-form]")].find((form) => !form.hidden);
    const target = shown ? shown.querySelector("button") : $("[data-my-floor]");
    if (!shown) target.setAttribute("tabindex", "-1");
    target.focus();
  }

  panel.addEventListener("submit", async (event) => {
    const form = event.target.closest("[data-floor-form]");
    if (!form || !connection.socket.connected) return; // no socket: the form posts
    event.preventDefault();
    const item = Number(form.querySelector("[data-floor-item]").value);
    const ack = await connection.send(`floor:${form.dataset.floorForm}`, { item });
    errorBox.hidden = ack.ok;
    errorBox.textContent = ack.ok ? "" : format(strings.error, { message: ack.error.message });
  });
}
