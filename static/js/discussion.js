// The live discussion of an agenda item (DESIGN §5).
//
// The page is complete without this script (plain forms, a reload). With it: new posts,
// edits and hides appear in place for everyone viewing the item, forms send through the
// socket, presence by stakeholder group and a typing indicator show who is here. After a
// dropped connection the script re-joins with the last post id and time it has, and the
// server answers with everything missed; posts are keyed by id, so nothing shows twice.
import { onConnect, sharedSocket } from "./live-socket.js";

const root = document.querySelector("[data-discussion]");
const configElement = document.getElementById("discussion-config");
if (root && configElement) {
  startDiscussion(root, JSON.parse(configElement.textContent));
}

/** Fill `{name}` placeholders of a translated string. */
function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));
}

function startDiscussion(root, config) {
  const strings = config.strings;
  const thread = root.querySelector("[data-thread]");
  const empty = root.querySelector("[data-empty]");
  const liveStatus = root.querySelector("[data-live-status]");
  const announcer = root.querySelector("[data-announcer]");
  const typingBox = root.querySelector("[data-typing]");
  const presenceBox = root.querySelector("[data-presence]");
  const countBox = root.querySelector("[data-post-count]");
  const itemState = root.querySelector("[data-item-state]");
  const postTemplate = document.getElementById("discussion-post-template");
  const replyTemplate = document.getElementById("discussion-reply-template");
  const me = { ...config.me };
  let lastId = config.last_post_id;
  let since = config.server_time;
  const dateFormat = new Intl.DateTimeFormat(config.language, {
    dateStyle: "short",
    timeStyle: "short",
    timeZone: "UTC",
  });

  if (!me.signed_in) return; // sockets need an account; the page stays as served

  const socket = sharedSocket();

  // --- connection and catch-up ------------------------------------------------------------

  onConnect(socket, () => {
    setLiveStatus("live");
    socket.emit("join", { item: config.item, after: lastId, since }, (ack) => {
      if (!ack || !ack.ok) {
        setLiveStatus("offline", ack && ack.error ? ack.error.message : "");
        return;
      }
      Object.assign(me, ack.me);
      for (const post of ack.posts) upsert(post, { quiet: true });
      since = ack.server_time;
      applyItemState(ack.item);
      showPresence(ack.presence);
    });
  });
  socket.on("disconnect", () => setLiveStatus("offline"));
  socket.on("connect_error", () => setLiveStatus("offline"));

  socket.on("post:new", (post) => upsert(post));
  socket.on("post:edit", (post) => upsert(post, { quiet: true }));
  socket.on("post:hidden", (post) => upsert(post, { quiet: true }));
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

  // --- posts ------------------------------------------------------------------------------

  function upsert(post, { quiet = false } = {}) {
    if (post.item !== config.item) return;
    lastId = Math.max(lastId, post.id);
    const existing = document.getElementById(`post-${post.id}`);
    if (existing) {
      updatePost(existing, post);
      return;
    }
    const filter = config.filter;
    if (filter && post.language !== filter && !(filter in post.translations)) return;
    const node = buildPost(post);
    place(node, post);
    empty.hidden = true;
    countBox.textContent = countBox.textContent.replace(/\d+/, String(thread.querySelectorAll("li.post-node").length));
    clearTyping(post.author.id);
    if (!quiet) {
      node.classList.add("is-new");
      announcer.textContent = format(strings.new_post, { name: post.author.name });
    }
  }

  /** Whether this copy of a post carries its content (moderators get hidden content). */
  function contentVisible(post) {
    return !post.hidden || "hidden_by" in post;
  }

  function buildPost(post) {
    const node = postTemplate.content.firstElementChild.cloneNode(true);
    node.id = `post-${post.id}`;
    node.dataset.postId = post.id;
    node.dataset.path = post.path;
    node.dataset.author = post.author.id;
    node.dataset.language = post.language;
    const article = node.querySelector("article");
    article.setAttribute("aria-labelledby", `post-${post.id}-by`);
    const author = node.querySelector(".post-author");
    author.id = `post-${post.id}-by`;
    author.textContent = post.author.name;
    const group = node.querySelector(".post-group");
    if (post.author.group) {
      group.dataset.group = post.author.group;
      group.textContent = config.groups[post.author.group] || post.author.group_name || post.author.group;
    }
    const link = node.querySelector(".post-link");
    link.href = `#post-${post.id}`;
    const time = node.querySelector("time");
    time.dateTime = post.created_at;
    time.textContent = dateFormat.format(new Date(post.created_at));
    reactionsFor(node, post.id);
    fillPost(node, post);
    return node;
  }

  /** The template's reaction block (counts at 0, buttons if the reader may react), made
   * this post's: reactions.js sends its form and updates its counts by `data-cg-post`. */
  function reactionsFor(node, id) {
    const block = node.querySelector(":scope > article > .post-reactions");
    if (!block) return;
    block.id = `cg-post-${id}`;
    block.dataset.cgPost = id;
    const form = block.querySelector("form[data-reaction-form]");
    if (form) {
      form.dataset.post = id;
      form.action = form.getAttribute("action").replace(/\/posts\/0\/reaction$/, `/posts/${id}/reaction`);
    }
  }

  /** Everything of a post that an edit, a translation or a hide can change. */
  function fillPost(node, post) {
    const article = node.querySelector(":scope > article");
    const language = node.querySelector(".post-language");
    language.textContent = languageName(post.language);
    node.dataset.language = post.language;
    const edited = metaSlot(node, ".post-edited");
    edited.hidden = !post.edited_at;
    edited.href = config.urls.history.replace(/\/0\/history$/, `/${post.id}/history`);
    const badge = metaSlot(node, ".post-hidden-badge");
    badge.hidden = !post.hidden;
    // Like the server, no reactions on a hidden post.
    const reactionBlock = node.querySelector(":scope > article > .post-reactions");
    if (reactionBlock) reactionBlock.hidden = post.hidden;
    const floor = node.querySelector(":scope > article > .post-meta > .post-floor-badge");
    if (post.floor_intervention) metaSlot(node, ".post-floor-badge").hidden = false;
    else if (floor) floor.hidden = true;
    article.classList.toggle("post-hidden", post.hidden);
    node.toggleAttribute("data-hidden", post.hidden);
    fillContent(article.querySelector(".post-content"), post);
    fillActions(node, post);
  }

  /** A header element of a post; the server leaves out the ones it has no use for. */
  function metaSlot(node, selector) {
    const header = node.querySelector(":scope > article > .post-meta");
    let element = header.querySelector(selector);
    if (!element) {
      element = postTemplate.content.querySelector(selector).cloneNode(true);
      header.append(element);
    }
    return element;
  }

  function updatePost(node, post) {
    if (post.hidden && !contentVisible(post) && me.moderator) {
      // Moderators keep the content they already have; the broadcast carries none.
      metaSlot(node, ".post-hidden-badge").hidden = false;
      node.querySelector(":scope > article").classList.add("post-hidden");
      node.toggleAttribute("data-hidden", true);
      const reason = document.createElement("p");
      reason.className = "post-hidden-reason";
      reason.textContent = format(strings.hidden, { reason: post.hidden_reason || "" });
      const content = node.querySelector(":scope > article .post-content");
      content.querySelector(".post-hidden-reason")?.remove();
      content.append(reason);
      const reactionBlock = node.querySelector(":scope > article > .post-reactions");
      if (reactionBlock) reactionBlock.hidden = true;
      fillActions(node, post);
      return;
    }
    fillPost(node, post);
  }

  function bodyElement(html, language) {
    const body = document.createElement("div");
    body.className = "post-body";
    body.lang = language;
    body.dir = "auto";
    body.innerHTML = html; // sanitised by the server (markdown-it without HTML, then nh3)
    return body;
  }

  function fillContent(container, post) {
    container.replaceChildren();
    if (!contentVisible(post)) {
      const notice = document.createElement("p");
      notice.className = "hidden-notice";
      notice.textContent = format(strings.hidden, { reason: post.hidden_reason || "" });
      const body = document.createElement("div");
      body.className = "post-body";
      body.append(notice);
      container.append(body);
      return;
    }
    const translation = post.language !== config.language ? post.translations[config.language] : null;
    if (translation) {
      container.append(bodyElement(translation.html, translation.language));
      const note = document.createElement("p");
      note.className = "post-translation-note";
      note.textContent = format(strings.translated, {
        language: languageName(post.language),
        name: translation.translator ? translation.translator.name : "…",
      });
      const original = document.createElement("details");
      original.className = "post-original";
      const summary = document.createElement("summary");
      summary.textContent = format(strings.show_original, { language: languageName(post.language) });
      original.append(summary, bodyElement(post.html, post.language));
      container.append(note, original);
    } else {
      container.append(bodyElement(post.html, post.language));
    }
    if (post.hidden) {
      const reason = document.createElement("p");
      reason.className = "post-hidden-reason";
      reason.textContent = format(strings.hidden, { reason: post.hidden_reason || "" });
      container.append(reason);
    }
  }

  function pageUrl(query, anchor) {
    const params = new URLSearchParams(query);
    if (config.filter) params.set("post_language", config.filter);
    return `${config.urls.item}?${params}#${anchor}`;
  }

  function fillActions(node, post) {
    const actions = node.querySelector(":scope > article > .post-actions");
    if (!actions) return;
    const id = post.id;
    const shown = {
      reply: me.may_post && !post.hidden,
      edit: me.may_post && !post.hidden && me.member === post.author.id,
      translate: me.may_translate && !post.hidden,
      hide: me.moderator && !post.hidden,
    };
    const targets = {
      reply: pageUrl({ reply_to: id }, `reply-${id}`),
      edit: pageUrl({ edit_post: id }, `edit-${id}`),
      translate: pageUrl({ translate_post: id }, `translate-${id}`),
      hide: pageUrl({ hide_post: id }, `hide-${id}`),
    };
    for (const link of actions.querySelectorAll("a[data-action]")) {
      const action = link.dataset.action;
      link.hidden = !shown[action];
      link.href = targets[action];
    }
    actions.hidden = post.hidden;
  }

  function languageName(code) {
    return config.languages[code] || code;
  }

  /** Put a new post where the server would have rendered it (see rules.thread_layout). */
  function place(node, post) {
    const parent = post.parent ? document.getElementById(`post-${post.parent}`) : null;
    if (config.filter || !parent) {
      node.dataset.level = "0";
      if (post.parent) markReplyTo(node, post.parent, parent);
      thread.append(node);
      return;
    }
    const level = Number(parent.dataset.level);
    if (level < config.max_nesting) {
      let list = parent.querySelector(":scope > ol.replies, :scope > details.branch > ol.replies");
      if (!list) {
        list = document.createElement("ol");
        list.className = "replies";
        if (level + 1 >= config.collapse_depth) {
          const branch = document.createElement("details");
          branch.className = "branch";
          const summary = document.createElement("summary");
          summary.dataset.repliesCount = "";
          branch.append(summary, list);
          parent.append(branch);
        } else {
          parent.append(list);
        }
      }
      node.dataset.level = String(level + 1);
      list.append(node);
    } else {
      // Deeper than the page indents: after the parent's last reply, saying whom it answers.
      const prefix = `${parent.dataset.path}/`;
      let after = parent;
      for (let next = parent.nextElementSibling; next && (next.dataset.path || "").startsWith(prefix); next = next.nextElementSibling) {
        after = next;
      }
      node.dataset.level = String(level);
      markReplyTo(node, post.parent, parent);
      after.after(node);
    }
    for (let branch = node.closest("details.branch"); branch; branch = branch.parentElement.closest("details.branch")) {
      branch.querySelector(":scope > summary").textContent = format(strings.replies, {
        count: branch.querySelectorAll("li.post-node").length,
      });
    }
  }

  function markReplyTo(node, parentId, parentNode) {
    const name = parentNode ? parentNode.querySelector(".post-author").textContent : "…";
    metaSlot(node, ".post-reply-to").textContent = format(strings.in_reply_to, { name });
  }

  // --- item state -------------------------------------------------------------------------

  function applyItemState(state) {
    const refused = state.locked || state.status !== "open";
    itemState.textContent = state.locked ? strings.locked : state.status === "closed" ? strings.closed : "";
    for (const form of root.querySelectorAll("form[data-post-form]")) {
      for (const control of form.elements) control.disabled = refused;
    }
  }

  // --- forms ------------------------------------------------------------------------------

  root.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-post-form]");
    if (!form || !socket.connected) return; // without a live connection the form posts as usual
    event.preventDefault();
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
    socket.timeout(15000).emit("post", payload, (error, ack) => {
      button.disabled = false;
      if (error) {
        showFormError(form, format(strings.send_failed, { message: strings.offline }));
        return;
      }
      if (!ack.ok) {
        showFormError(form, format(strings.send_failed, { message: ack.error.message }));
        return;
      }
      upsert(ack.post, { quiet: true });
      form.querySelector("textarea").value = "";
      if (form.dataset.postForm === "reply") form.remove();
      const created = document.getElementById(`post-${ack.post.id}`);
      if (created) {
        created.classList.add("is-new");
        created.scrollIntoView({ block: "nearest" });
      }
    });
  });

  function showFormError(form, message) {
    const box = form.querySelector("[data-form-error]");
    if (!box) return;
    box.textContent = message;
    box.hidden = !message;
    form.querySelector("textarea")?.setAttribute("aria-invalid", message ? "true" : "false");
  }

  root.addEventListener("click", (event) => {
    const cancel = event.target.closest("button[data-cancel]");
    if (cancel) {
      cancel.closest("form").remove();
      return;
    }
    const link = event.target.closest("a[data-action='reply']");
    if (!link || !replyTemplate || !socket.connected) return;
    event.preventDefault();
    const node = link.closest("li.post-node");
    const article = node.querySelector(":scope > article");
    let form = article.querySelector(":scope > form.reply-form");
    if (!form) {
      form = replyForm(node);
      article.append(form);
    }
    form.querySelector("textarea").focus();
  });

  function replyForm(node) {
    const postId = node.dataset.postId;
    const form = replyTemplate.content.firstElementChild.cloneNode(true);
    form.id = `reply-${postId}`;
    form.querySelector("input[name=parent]").value = postId;
    for (const control of form.querySelectorAll("[data-id]")) {
      control.id = `reply-${postId}-${control.dataset.id}`;
    }
    for (const label of form.querySelectorAll("label[data-for]")) {
      label.htmlFor = `reply-${postId}-${label.dataset.for}`;
    }
    return form;
  }

  // --- typing and presence ----------------------------------------------------------------

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

  function showPresence(presence) {
    presenceBox.hidden = false;
    presenceBox.querySelector("[data-presence-count]").textContent = format(strings.online, {
      count: presence.online,
    });
    const groups = new Map();
    for (const member of presence.members) {
      const key = member.group || "";
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(member.name);
    }
    const list = presenceBox.querySelector("[data-presence-groups]");
    list.replaceChildren(
      ...[...groups.entries()].map(([key, names]) => {
        const item = document.createElement("li");
        const label = document.createElement("strong");
        label.textContent = key ? config.groups[key] || key : strings.no_group;
        item.append(label, `: ${names.join(", ")}`);
        return item;
      }),
    );
  }
}
