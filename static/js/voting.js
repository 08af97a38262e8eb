// Live motions (DESIGN §5): ballots through the socket, tallies and status changes as
// they happen.
//
// The pages are complete without this script: the ballot buttons are plain forms and a
// reload shows the latest tally. With it, a ballot goes through the socket event `ballot`
// (falling back to the form when the socket is down), and every `tally`, `motion:open` and
// `motion:closed` for the item makes the page fetch a fresh, server-rendered copy of the
// motions section (item page) or of the ballot and results blocks (motion page), so the
// numbers are formatted by the server in the reader's language. Refreshes are coalesced.
import { batcher, fetchFragment, onConnect, sharedSocket, swapBlocks } from "./live.js";

const configElement = document.getElementById("voting-config");
const section = document.querySelector("[data-voting-section]");
const page = document.querySelector("[data-motion-page]");
if (configElement && (section || page)) {
  start(JSON.parse(configElement.textContent));
}

function start(config) {
  if (!config.signed_in) return; // sockets need an account; the page stays as served
  const strings = config.strings;
  const announcer = document.querySelector("[data-voting-announcer]");
  const motionId = page ? Number(page.dataset.motionPage) : null;
  // What to fetch, and which blocks of the fetched page replace ours.
  const source = section
    ? { url: () => section.dataset.sectionUrl, blocks: ["[data-voting-section]"] }
    : { url: () => window.location.pathname, blocks: ["[data-ballot-box]", "[data-results-box]"] };

  let lastCasts = -1;
  const refresh = batcher(
    async () => {
      const fresh = await fetchFragment(source.url());
      if (fresh) swapBlocks(fresh, source.blocks); // the focused ballot button keeps the focus
    },
    { delay: 600 },
  );

  const socket = sharedSocket();

  onConnect(socket, () => {
    // Joining the item's room is what delivers its events; the posts are not needed here.
    socket.emit("join", { item: config.item, after: 2147483647 }, (ack) => {
      setLive(Boolean(ack && ack.ok));
    });
    refresh.add(); // catch up on anything missed while disconnected
  });
  socket.on("disconnect", () => setLive(false));
  socket.on("connect_error", () => setLive(false));

  socket.on("tally", (tally) => {
    if (motionId !== null && tally.motion !== motionId) return;
    // Tallies may arrive out of order from several server processes: keep the newest.
    if (motionId !== null) {
      if (tally.casts < lastCasts) return;
      lastCasts = tally.casts;
    }
    refresh.add();
  });
  socket.on("motion:open", (motion) => {
    if (motion.item !== config.item) return;
    announce(strings.opened);
    refresh.add();
  });
  socket.on("motion:closed", (motion) => {
    if (motion.item !== config.item) return;
    if (motionId === null || motion.id === motionId) announce(strings.closed);
    if (page && motion.id === motionId) {
      window.location.reload(); // the whole page changes: roll-call, receipts, controls
      return;
    }
    refresh.add();
  });

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("[data-ballot-form]");
    if (!form || !socket.connected || !event.submitter) return;
    event.preventDefault();
    const choice = event.submitter.value;
    const motion = Number(form.dataset.motion);
    const error = form.querySelector("[data-ballot-error]");
    setBusy(form, true);
    socket.timeout(8000).emit("ballot", { motion, choice }, (timedOut, ack) => {
      setBusy(form, false);
      if (timedOut) {
        submitWithoutSocket(form, choice);
        return;
      }
      if (!ack.ok) {
        error.textContent = ack.error && ack.error.message ? ack.error.message : strings.failed;
        error.hidden = false;
        return;
      }
      error.hidden = true;
      announce(strings.recorded);
      refresh.flush().then(() => focusChoice(motion, choice));
    });
  });

  /** Mark the page live (or not), for styles and tests: `data-voting-live`. */
  function setLive(live) {
    document.documentElement.dataset.votingLive = live ? "on" : "off";
  }

  function submitWithoutSocket(form, choice) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "choice";
    input.value = choice;
    form.append(input);
    form.submit();
  }

  function setBusy(form, busy) {
    for (const button of form.querySelectorAll("button")) button.disabled = busy;
    form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function announce(text) {
    if (!announcer || !text) return;
    announcer.textContent = "";
    // A fresh text node after a tick is announced even when it repeats the last message.
    window.setTimeout(() => {
      announcer.textContent = text;
    }, 50);
  }

  /** After one's own ballot, its button keeps the focus in the fresh copy. */
  function focusChoice(motion, choice) {
    const button = document.querySelector(
      `[data-ballot-form][data-motion="${motion}"] button[value="${CSS.escape(choice)}"]`,
    );
    if (button) button.focus();
  }
}
