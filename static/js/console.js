// The moderator's console (live/templates/live/console.html).
//
// The page is complete without this script: every form posts and the page comes back. With
// it, the forms marked `data-socket-event` send their event over the socket (the ack's error,
// if any, is shown), and the page follows the room: current item, round countdown, speaker,
// both orders of the speakers' queue, announcements, who follows the session by group, and
// the participation balance (reloaded as a server-rendered fragment after each change).
import { batcher, fetchFragment, format, swapBlocks } from "./live.js";
import {
  connectSession,
  formatNodes,
  groupName,
  itemTitle,
  nameNode,
  pluralText,
  ServerClock,
  startCountdowns,
} from "./session.js";

const root = document.querySelector("[data-console]");
const configElement = document.getElementById("live-console-config");
if (root && configElement) startConsole(root, JSON.parse(configElement.textContent));

function startConsole(root, config) {
  const strings = config.strings;
  const $ = (selector) => root.querySelector(selector);
  const clock = new ServerClock();
  const liveStatus = $("[data-live-status]");
  const errorBox = $("[data-console-error]");
  const entryTemplate = document.getElementById("console-queue-entry");
  startCountdowns(root, clock, strings);

  const connection = connectSession(config.deliberation, {
    clock,
    onState: render,
    onStatus(state, detail) {
      liveStatus.dataset.state = state;
      liveStatus.textContent = state === "live" ? strings.live : detail || strings.offline;
    },
    onAnnouncement: addAnnouncement,
    onPresence: showPresence,
  });

  // --- rendering the state -------------------------------------------------------------------

  let shownItem; // the current item the server-rendered sections were made for

  function render(state) {
    if (shownItem !== undefined && shownItem !== state.current_item) refreshSections(["#motions"]);
    shownItem = state.current_item;
    const nowItem = $("[data-now-item]");
    nowItem.textContent = state.item
      ? format(strings.now_on, { numeral: state.item.numeral, title: itemTitle(state.item, config.language) })
      : strings.no_item;

    for (const row of root.querySelectorAll("tr[data-item]")) {
      const current = Number(row.dataset.item) === state.current_item;
      row.classList.toggle("is-current", current);
      if (current) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    }

    const round = $("[data-now-round]");
    round.replaceChildren();
    $("[data-round-controls]").hidden = !state.round;
    if (state.round) {
      const title = document.createElement("span");
      title.textContent = state.round.title || "";
      const countdown = document.createElement("time");
      countdown.className = "countdown";
      countdown.dataset.countdown = "";
      countdown.dataset.endsAt = state.round.ends_at;
      countdown.setAttribute("datetime", state.round.ends_at);
      round.append(title, state.round.title ? ": " : "", countdown);
    } else {
      round.textContent = strings.no_round;
    }

    const speaker = $("[data-now-speaker]");
    speaker.classList.toggle("has-speaker", Boolean(state.speaking));
    if (state.speaking) {
      speaker.replaceChildren(
        ...formatNodes(strings.speaking, { name: nameNode(state.speaking.name) }),
        ` · ${groupName(config, state.speaking.group)}`,
      );
    } else {
      speaker.textContent = strings.nobody_speaking;
    }
    $("[data-speaker-end]").hidden = !state.speaking;
    $("[data-speaker-member]").value = state.speaker || "";

    const banner = $("[data-now-announcement]");
    banner.hidden = !state.announcement;
    $("[data-announcement-clear]").hidden = !state.announcement;
    if (state.announcement) {
      const text = document.createElement("span");
      text.lang = state.announcement.language;
      text.dir = "auto";
      text.textContent = state.announcement.text;
      banner.replaceChildren(text);
    }

    const byMember = new Map(state.queue.map((entry) => [entry.member, entry]));
    fillQueue($('[data-queue="plain"]'), state.queue);
    fillQueue(
      $('[data-queue="balanced"]'),
      state.balanced_order.map((member) => byMember.get(member)).filter(Boolean),
    );
    $("[data-queue-empty]").hidden = state.queue.length > 0;
    refreshParticipation();
  }

  function fillQueue(list, entries) {
    list.replaceChildren(
      ...entries.map((entry) => {
        const node = entryTemplate.content.firstElementChild.cloneNode(true);
        node.dataset.member = entry.member;
        node.querySelector(".queue-name").replaceChildren(nameNode(entry.name));
        node.querySelector(".queue-group").textContent = groupName(config, entry.group);
        for (const input of node.querySelectorAll('input[name="member"]')) input.value = entry.member;
        return node;
      }),
    );
  }

  /** A new announcement: the list comes back as the server renders it (times in the
   * reader's locale). */
  function addAnnouncement() {
    refreshSections(["[data-announcements]"]);
  }

  function showPresence(presence) {
    if (!presence) return;
    $("[data-presence-count]").textContent = pluralText(config.online_forms, presence.online, config.language);
    const list = $("[data-presence-groups]");
    list.replaceChildren(
      ...Object.entries(presence.by_group).map(([key, count]) => {
        const li = document.createElement("li");
        li.dataset.group = key;
        li.textContent = `${groupName(config, key)}: ${count}`;
        return li;
      }),
    );
  }

  /** Replace sections with their current server rendering (e.g. the current item's motions);
   * offline for a moment, they stay as they were until the next change. */
  async function refreshSections(selectors) {
    swapBlocks(await fetchFragment(window.location.pathname), selectors);
  }

  // --- participation, reloaded after changes (and now and then for posts elsewhere) -----------

  const participation = batcher(
    async () => {
      const fresh = await fetchFragment(config.participation_url);
      if (fresh) $("[data-participation-box]").replaceChildren(fresh);
    },
    { delay: 500 },
  );
  const refreshParticipation = () => participation.add();
  window.setInterval(refreshParticipation, 20000);

  // --- forms through the socket ----------------------------------------------------------------

  function payload(event, form) {
    const data = new FormData(form);
    const number = (name) => Number(data.get(name));
    switch (event) {
      case "session:current":
        return { item: data.get("item") ? number("item") : null };
      case "round:start":
        return { title: data.get("title") || "", seconds: Math.round(Number(data.get("minutes")) * 60) };
      case "round:extend":
        return { seconds: number("seconds") };
      case "floor:grant":
      case "floor:skip":
        return { member: number("member") };
      case "announce":
        return { text: data.get("text") || "", language: data.get("language") };
      default:
        return {};
    }
  }

  root.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-socket-event]");
    if (!form || !connection.socket.connected) return; // no socket: the form posts
    event.preventDefault();
    const name = form.dataset.socketEvent;
    const buttons = form.querySelectorAll("button");
    for (const button of buttons) button.disabled = true;
    const ack = await connection.send(name, payload(name, form));
    for (const button of buttons) button.disabled = false;
    errorBox.hidden = ack.ok;
    errorBox.textContent = ack.ok ? "" : format(strings.error, { message: ack.error.message });
    if (ack.ok && name === "announce") form.reset();
    // The round's forms hide or show with the round: the focus goes to the result.
    if (ack.ok && (name === "round:start" || name === "round:stop")) $("[data-now-round]").focus();
  });
}
