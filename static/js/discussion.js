// The live discussion of an agenda item (DESIGN §5).
//
// The page is complete without this script (plain forms, a reload). With it: new posts,
// edits and hides appear in place for everyone viewing the item, forms send through the
// socket, presence by stakeholder group and a typing indicator show who is here.
//
// Every post on the page is rendered by the server, with the macro of the first paint
// (discussion/_post.html): the socket events name the posts that changed, and the script
// fetches them as HTML for this reader (`GET …/items/<id>/posts?ids=…`), a burst of
// events in one request, then puts each where the server's page has it. After a dropped
// connection the script re-joins with the last post id and time it has; the server answers
// with everything missed, fetched the same way. Posts are keyed by id: nothing shows twice.
//
// The page holds a window of whole threads (the newest, by default). The "Older posts" and
// "Newer posts" links around it work without this script; with it, the next window is
// fetched as a fragment (`…/posts?before=…` or `?from=…`) and added in place when a link is
// clicked or scrolled to, and a `#post-N` anchor to a post outside the window loads the
// window holding it (`?around=N`). Live posts of threads outside the window are left for
// the window that holds them.
import { forgetDraft, keepDrafts } from "./drafts.js";
import { batcher, fetchFragment, format, numberFormat, onConnect, replaceNode, sharedSocket } from "./live.js";

const root = document.querySelector("[data-discussion]");
const configElement = document.getElementById("discussion-config");
if (root && configElement) {
  startDiscussion(root, JSON.parse(configElement.textContent));
}

function startDiscussion(root, config) {
  const strings = config.strings;
  const thread = root.querySelector("[data-thread]");
  const empty = root.querySelector("[data-empty]");
  const liveStatus = root.querySelector("[data-live-status]");
  const announcer = root.querySelector("[data-announcer]");
  const typingBox = root.querySelector("[data-typing]");
  const presenceBox = root.querySelector("[data-presence]");
  const itemState = root.querySelector("[data-item-state]");
  let lastId = config.last_post_id;
  let since = config.server_time;

  // --- the window of threads --------------------------------------------------------------

  // The cursors of the windows before and after the one shown (null: none there): the
  // first thread's id, and the id after the last thread's.
  const cursors = { ...config.window };
  const loading = new Set(); // directions being loaded
  let scrolled = false; // windows load on scroll only once the reader has scrolled

  /** Whether a post (by its path) belongs to a thread of the window the page shows. */
  function inWindow(path) {
    const thread = Number(path.split("/")[0]);
    return (cursors.older === null || thread >= cursors.older) && (cursors.newer === null || thread < cursors.newer);
  }

  /**
   * Load the window `direction` ("older", "newer") of the one shown and add its threads
   * above or below, the reading position kept; or (`replace`, with `params`) show another
   * window in place of the one shown.
   */
  async function loadWindow(direction, params = null) {
    if (loading.has(direction)) return;
    const query = params || (direction === "older" ? { before: cursors.older } : { from: cursors.newer });
    if (!params && cursors[direction] === null) return;
    loading.add(direction);
    try {
      const fragment = await fetchFragment(config.urls.posts, { ...query, post_language: config.filter });
      if (!fragment) return;
      const fresh = [...fragment.children].filter(
        (node) => node.matches("li.post-node") && (direction === "replace" || !document.getElementById(node.id)),
      );
      if (direction === "replace") {
        thread.replaceChildren(...fresh);
      } else if (direction === "older") {
        const anchor = thread.firstElementChild;
        const top = anchor ? anchor.getBoundingClientRect().top : 0;
        thread.prepend(...fresh);
        if (anchor) window.scrollBy(0, anchor.getBoundingClientRect().top - top);
      } else {
        thread.append(...fresh);
      }
      for (const side of direction === "replace" ? ["older", "newer"] : [direction]) {
        const link = fragment.getElementById(`discussion-${side}`);
        const current = document.getElementById(`discussion-${side}`);
        if (link && current) {
          current.replaceWith(link);
          observeLink(link);
        }
        const cursor = link && link.querySelector("a[data-cursor]");
        cursors[side] = cursor ? Number(cursor.dataset.cursor) : null;
      }
      const count = fragment.getElementById("discussion-count");
      if (count) replaceNode(document.getElementById("discussion-count"), count);
      empty.hidden = thread.querySelector("li.post-node") !== null;
    } finally {
      loading.delete(direction);
    }
  }

  // Reached by scrolling, a link loads its window; clicked, too (without this script it
  // opens the page of that window).
  const watcher =
    "IntersectionObserver" in window
      ? new IntersectionObserver((entries) => {
          for (const entry of entries) {
            if (entry.isIntersecting && scrolled) loadWindow(entry.target.dataset.windowLink);
          }
        })
      : null;
  function observeLink(link) {
    if (watcher && !link.hidden) watcher.observe(link);
  }
  for (const link of root.querySelectorAll("[data-window-link]")) observeLink(link);
  window.addEventListener(
    "scroll",
    () => {
      if (scrolled) return;
      scrolled = true;
      // Observing again reports whether a link is in view now.
      for (const link of root.querySelectorAll("[data-window-link]")) {
        watcher?.unobserve(link);
        observeLink(link);
      }
    },
    { passive: true },
  );
  root.addEventListener("click", (event) => {
    const link = event.target.closest("[data-window-link] a");
    if (!link) return;
    event.preventDefault();
    loadWindow(link.closest("[data-window-link]").dataset.windowLink);
  });

  /** A `#post-N` anchor: the post shown, its branches unfolded; a post outside the window
   * brings the window holding it. */
  async function showAnchoredPost() {
    const match = /^#post-(\d+)$/.exec(window.location.hash);
    if (!match) return;
    if (!document.getElementById(`post-${match[1]}`)) await loadWindow("replace", { around: match[1] });
    const post = document.getElementById(`post-${match[1]}`);
    if (!post) return;
    for (let branch = post.closest("details.branch"); branch; branch = branch.parentElement.closest("details.branch")) {
      branch.open = true;
    }
    post.scrollIntoView({ block: "start" });
  }
  window.addEventListener("hashchange", showAnchoredPost);
  showAnchoredPost();

  if (!config.me.signed_in) return; // sockets need an account; the page stays as served
  keepDrafts(root, config.item);

  const socket = sharedSocket();
  // Posts that changed, fetched together as the server renders them (showPosts below).
  const newcomers = new Map(); // id → author of a post of someone else, announced once shown
  const missed = []; // ids whose fetch failed: fetched again after the next (re)join
  const posts = batcher(
    async (ids) => {
      if (!ids.length) return;
      const fragment = await fetchFragment(config.urls.posts, {
        ids: ids.join(","),
        post_language: config.filter,
      });
      if (fragment) showPosts(fragment);
      else missed.push(...ids);
    },
    { size: config.posts_per_fetch },
  );

  // --- connection and catch-up ------------------------------------------------------------

  onConnect(socket, () => {
    setLiveStatus("live");
    socket.emit("join", { item: config.item, after: lastId, since }, (ack) => {
      if (!ack || !ack.ok) {
        setLiveStatus("offline", ack && ack.error ? ack.error.message : "");
        return;
      }
      since = ack.server_time;
      changed(ack.posts.map((post) => post.id), missed.splice(0));
      applyItemState(ack.item);
      showPresence(ack.presence);
    });
  });
  socket.on("disconnect", () => setLiveStatus("offline"));
  socket.on("connect_error", () => setLiveStatus("offline"));

  socket.on("post:new", (post) => {
    if (post.item !== config.item) return;
    clearTyping(post.author.id);
    if (post.author.id !== config.me.member && !document.getElementById(`post-${post.id}`)) {
      newcomers.set(post.id, post.author.name);
    }
    changed([post.id]);
  });
  for (const event of ["post:edit", "post:hidden"]) {
    socket.on(event, (post) => {
      if (post.item === config.item) changed([post.id]);
    });
  }
  socket.on("presence", (presence) => {
    if (presence.item === config.item) showPresence(presence);
  });
  socket.on("item:status", (state) => {
    if (state.item === config.item) applyItemState(state);
  });
  socket.on("typing", (typing) => {
    if (typing.item === config.item) showTyping(typing);
  });

  function setLiveStatus(state, detail = "") {
    liveStatus.hidden = false;
    liveStatus.dataset.state = state;
    liveStatus.textContent = (state === "live" ? strings.live : strings.offline) + (detail ? ` ${detail}` : "");
  }

  // --- posts, as the server renders them ----------------------------------------------------

  function changed(...lists) {
    const ids = lists.flat();
    for (const id of ids) lastId = Math.max(lastId, id);
    if (ids.length) posts.add(...ids);
  }

  /** Put the fetched posts in place (in thread order, as the server sends them). */
  function showPosts(fragment) {
    for (const fresh of [...fragment.querySelectorAll("li.post-node")]) {
      const current = document.getElementById(fresh.id);
      if (current) updatePost(current, fresh);
      else insertPost(fresh);
      const id = Number(fresh.dataset.postId);
      if (newcomers.has(id)) {
        document.getElementById(fresh.id)?.classList.add("is-new");
        announcer.textContent = format(strings.new_post, { name: newcomers.get(id) });
        newcomers.delete(id);
      }
    }
    const count = fragment.getElementById("discussion-count");
    if (count) replaceNode(document.getElementById("discussion-count"), count);
    empty.hidden = thread.querySelector("li.post-node") !== null;
  }

  /** A post on the page takes its new rendering; its replies, and a form open under it
   * (a reply being written), stay. */
  function updatePost(current, fresh) {
    for (const name of current.getAttributeNames()) {
      if (name !== "class" && !fresh.hasAttribute(name)) current.removeAttribute(name);
    }
    for (const { name, value } of fresh.attributes) {
      if (name !== "class") current.setAttribute(name, value);
    }
    replaceNode(current.querySelector(":scope > article"), fresh.querySelector(":scope > article"), {
      keep: ":scope > form.post-form",
    });
  }

  /**
   * Put a new post where the server's page has it (rules.thread_layout): the server gives
   * its level. One level below its parent, it goes into the parent's list of replies (the
   * fragment carries that list, as the page renders it, for a parent that has none yet);
   * at its parent's level (deeper than the page indents), after the parent's thread; at the
   * top level (or when filtered by language), in the thread. Always in path order. A post
   * of a thread outside the window shown waits for that window.
   */
  function insertPost(fresh) {
    if (!inWindow(fresh.dataset.path)) return; // shown with the window that holds it
    const level = Number(fresh.dataset.level);
    const parent = fresh.dataset.parent ? document.getElementById(`post-${fresh.dataset.parent}`) : null;
    if (level === 0 || !parent) {
      placeInOrder(fresh, thread);
    } else if (level > Number(parent.dataset.level)) {
      const list = parent.querySelector(":scope > ol.replies, :scope > details.branch > ol.replies");
      if (list) placeInOrder(fresh, list);
      else parent.append(outermost(fresh));
    } else {
      const prefix = `${parent.dataset.path}/`;
      let after = parent;
      for (
        let next = parent.nextElementSibling;
        next && next.dataset.path.startsWith(prefix) && next.dataset.path < fresh.dataset.path;
        next = next.nextElementSibling
      ) {
        after = next;
      }
      after.after(fresh);
    }
    countReplies(fresh);
  }

  /** Into `list`, before the first post that comes after it (paths sort in thread order). */
  function placeInOrder(node, list) {
    const next = [...list.children].find((sibling) => sibling.dataset.path > node.dataset.path);
    list.insertBefore(node, next || null);
  }

  /** The node of the fragment that holds `node` (itself, or the list of replies around it). */
  function outermost(node) {
    let top = node;
    while (top.parentElement) top = top.parentElement;
    return top;
  }

  /** The folded branches above a new post say how many replies they hold. */
  function countReplies(node) {
    for (let branch = node.closest("details.branch"); branch; branch = branch.parentElement.closest("details.branch")) {
      branch.querySelector(":scope > summary").textContent = format(strings.replies, {
        count: branch.querySelectorAll("li.post-node").length,
      });
    }
  }

  // --- item state -------------------------------------------------------------------------

  /** A lock or a status change, live: the forms (every control, the button included), the
   * notice above the post box and the item's badges in the page header. */
  function applyItemState(state) {
    const refused = state.locked || state.status !== "open";
    const notice = state.locked ? strings.locked : state.status === "closed" ? strings.closed : "";
    itemState.textContent = notice;
    const composeState = root.querySelector("[data-compose-state]");
    if (composeState) composeState.textContent = notice;
    for (const form of root.querySelectorAll("form[data-post-form]")) {
      for (const control of form.querySelectorAll("input, textarea, select, button")) {
        control.disabled = refused;
      }
    }
    const badge = document.querySelector("[data-item-status-badge]");
    if (badge) {
      badge.className = `status status-${state.status}`;
      badge.querySelector("[data-item-status-label]").textContent =
        config.status_labels[state.status] || state.status;
    }
    const lockedBadge = document.querySelector("[data-item-locked-badge]");
    if (lockedBadge) lockedBadge.hidden = !state.locked;
  }

  // --- forms ------------------------------------------------------------------------------

  /** Resolves true once the socket is connected, false after `ms` without a connection. */
  function connection(ms) {
    if (socket.connected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (connected) => {
        window.clearTimeout(timer);
        socket.off("connect", onConnected);
        resolve(connected);
      };
      const onConnected = () => done(true);
      const timer = window.setTimeout(() => done(false), ms);
      socket.on("connect", onConnected);
    });
  }

  root.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-post-form]");
    if (!form) return;
    // The post goes over the socket: without a connection it waits for one (the text stays
    // in the box, and in the draft), then says it could not be sent — never a page that
    // fails to load and loses what was written.
    event.preventDefault();
    if (!socket.connected) {
      const waiting = form.querySelector("button[type=submit]");
      waiting.disabled = true;
      showFormError(form, strings.waiting, { invalid: false });
      const connected = await connection(config.send_wait_ms);
      waiting.disabled = false;
      if (!connected) {
        showFormError(form, format(strings.send_failed, { message: strings.not_sent }));
        return;
      }
    }
    const data = new FormData(form);
    const parent = data.get("parent");
    const payload = {
      item: config.item,
      parent: parent ? Number(parent) : null,
      body: data.get("body"),
      language: data.get("language"),
    };
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    showFormError(form, "");
    socket.timeout(15000).emit("post", payload, async (error, ack) => {
      button.disabled = false;
      if (error) {
        showFormError(form, format(strings.send_failed, { message: strings.offline }));
        return;
      }
      if (!ack.ok) {
        showFormError(form, format(strings.send_failed, { message: ack.error.message }));
        return;
      }
      forgetDraft(config.item, form);
      form.querySelector("textarea").value = "";
      if (form.dataset.postForm === "reply") form.remove();
      lastId = Math.max(lastId, ack.post.id);
      await posts.flush(ack.post.id);
      const created = document.getElementById(`post-${ack.post.id}`);
      if (created) {
        // One's own post shows even in a folded branch.
        for (let branch = created.closest("details.branch"); branch; branch = branch.parentElement.closest("details.branch")) {
          branch.open = true;
        }
        created.classList.add("is-new");
        created.scrollIntoView({ block: "nearest" });
        // A reply's form is gone: the focus goes to the reply it published, not to the page.
        const article = created.querySelector(":scope > article");
        if (form.dataset.postForm === "reply" && article) {
          article.setAttribute("tabindex", "-1");
          article.focus({ preventScroll: true });
        }
      }
    });
  });

  function showFormError(form, message, { invalid = Boolean(message) } = {}) {
    const box = form.querySelector("[data-form-error]");
    if (!box) return;
    box.textContent = message;
    box.hidden = !message;
    form.querySelector("textarea")?.setAttribute("aria-invalid", invalid ? "true" : "false");
  }

  root.addEventListener("click", async (event) => {
    const cancel = event.target.closest("form.reply-form [data-cancel]");
    if (cancel) {
      event.preventDefault();
      cancel.closest("form").remove();
      return;
    }
    const link = event.target.closest("a[data-action='reply']");
    if (!link || !socket.connected) return; // without a live connection the link opens the form
    event.preventDefault();
    const node = link.closest("li.post-node");
    const id = node.dataset.postId;
    // The reply form as the page renders it under the post (`?reply_to=<id>`).
    if (!document.getElementById(`reply-${id}`)) {
      const fragment = await fetchFragment(config.urls.posts, { ids: id, reply_to: id, post_language: config.filter });
      const form = fragment && fragment.getElementById(`reply-${id}`);
      if (!form) {
        window.location.assign(link.href);
        return;
      }
      if (!document.getElementById(`reply-${id}`)) node.querySelector(":scope > article").append(form);
    }
    document.getElementById(`reply-${id}`).querySelector("textarea").focus();
  });

  // --- typing and presence ----------------------------------------------------------------

  // The live character counter under each post box: "written / at most", in the page's digits.
  const numbers = numberFormat();
  root.addEventListener("input", (event) => {
    const box = event.target.closest("form[data-post-form] textarea");
    const counter = box && box.parentElement.querySelector("[data-char-count]");
    if (!counter) return;
    const most = Number(counter.dataset.charCount);
    counter.hidden = false;
    counter.textContent = `${numbers.format(box.value.length)} / ${numbers.format(most)}`;
    counter.classList.toggle("is-over", box.value.length > most);
  });

  let lastTyping = 0;
  root.addEventListener("input", (event) => {
    if (!event.target.closest("form[data-post-form] textarea") || !socket.connected) return;
    const now = Date.now();
    if (now - lastTyping < 3000) return;
    lastTyping = now;
    socket.emit("typing", { item: config.item });
  });

  const typists = new Map();
  function showTyping(typing) {
    clearTimeout(typists.get(typing.member)?.timer);
    const timer = setTimeout(() => clearTyping(typing.member), 6000);
    typists.set(typing.member, { name: typing.name, timer });
    renderTyping();
  }
  function clearTyping(member) {
    const entry = typists.get(member);
    if (!entry) return;
    clearTimeout(entry.timer);
    typists.delete(member);
    renderTyping();
  }
  function renderTyping() {
    typingBox.replaceChildren(
      ...[...typists.values()].map((entry) => {
        const line = document.createElement("p");
        line.textContent = format(strings.writing, { name: entry.name });
        return line;
      }),
    );
  }

  // Counts by group come with the join's ack and, coalesced, as `presence` events; the
  // names are asked for a page at a time (`presence:members`), only when wanted.
  function showPresence(presence) {
    presenceBox.hidden = false;
    presenceBox.querySelector("[data-presence-count]").textContent = format(strings.online, {
      count: presence.online,
    });
    const list = presenceBox.querySelector("[data-presence-groups]");
    list.replaceChildren(
      ...Object.entries(presence.by_group).map(([key, count]) => {
        const item = document.createElement("li");
        const label = document.createElement("strong");
        label.textContent = config.groups[key] || key;
        item.append(label, `: ${count}`);
        return item;
      }),
    );
  }

  const names = presenceBox.querySelector("[data-presence-names]");
  const moreNames = presenceBox.querySelector("[data-presence-more]");
  let nextPage = null;
  function showNames(page) {
    socket.emit("presence:members", { item: config.item, page }, (ack) => {
      if (!ack || !ack.ok) return;
      if (page === 1) names.replaceChildren();
      for (const member of ack.members) {
        const item = document.createElement("li");
        const group = member.group ? config.groups[member.group] || member.group : strings.no_group;
        item.textContent = `${member.name} (${group})`;
        names.append(item);
      }
      names.hidden = false;
      nextPage = ack.next;
      moreNames.hidden = nextPage === null;
    });
  }
  presenceBox.querySelector("[data-presence-who]").addEventListener("click", () => showNames(1));
  moreNames.addEventListener("click", () => nextPage && showNames(nextPage));
}
