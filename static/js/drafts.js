// Drafts that survive a lost connection or a closed tab: what is written in a post box of an
// item page is kept in this browser's localStorage as it is typed — one draft per item and
// per box (the new post; the reply to post N) — put back when the page or the reply form
// comes again with an empty box, and forgotten once the post is published.
//
//   import { forgetDraft, keepDrafts } from "./drafts.js";
//   keepDrafts(root, itemId);          // restore now and whenever a post form appears
//   forgetDraft(itemId, form);         // after the server accepted the post

const PREFIX = "commonground:draft:";

/** The storage key of a post form's draft: per item, per box. */
function draftKey(item, form) {
  const parent = form.querySelector("input[name=parent]");
  const box = parent && parent.value ? `reply-${parent.value}` : form.dataset.postForm;
  return `${PREFIX}${item}:${box}`;
}

// Storage may be unavailable (a private window, a full quota): drafts are then not kept,
// and nothing else changes.
function read(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key, value) {
  try {
    if (value.trim()) window.localStorage.setItem(key, value);
    else window.localStorage.removeItem(key);
  } catch {
    // See above.
  }
}

function restore(item, form) {
  form.dataset.draftChecked = "";
  const box = form.querySelector("textarea[name=body]");
  if (!box || box.value) return; // the server's own text (a refused post) comes first
  const saved = read(draftKey(item, form));
  if (saved) box.value = saved;
}

/** Keep the drafts of every post form under `root` (present now or added later). */
export function keepDrafts(root, item) {
  const restoreNew = () => {
    for (const form of root.querySelectorAll("form[data-post-form]:not([data-draft-checked])")) {
      restore(item, form);
    }
  };
  restoreNew();
  new MutationObserver(restoreNew).observe(root, { childList: true, subtree: true });
  root.addEventListener("input", (event) => {
    const box = event.target.closest("form[data-post-form] textarea[name=body]");
    if (box) write(draftKey(item, box.form), box.value);
  });
}

/** The post of `form` was published: its draft is no longer needed. */
export function forgetDraft(item, form) {
  write(draftKey(item, form), "");
}
