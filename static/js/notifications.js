// Notifications arrive live on the member's own socket room (`notification:new`, and
// `notification:read` when they were marked read elsewhere). The page then fetches the
// notifications page as the server renders it and swaps in the unread count of the header
// and, on the notifications page, the list; on a deliberation's page it fetches that page
// instead, for the unread markers of its agenda: one renderer for first paint and updates.
import { batcher, fetchFragment, onConnect, sharedSocket, swapBlocks } from "./live.js";

const link = document.getElementById("notifications-link");
if (link) {
  const socket = sharedSocket();
  const refresh = batcher(
    async () => {
      const agenda = document.getElementById("agenda-list");
      const page = await fetchFragment(agenda ? window.location.href : link.href);
      if (page) swapBlocks(page, ["#notifications-link", "#notification-list-section", "#agenda-list"]);
    },
    { delay: 200 },
  );
  socket.on("notification:new", () => refresh.add("page"));
  socket.on("notification:read", () => refresh.add("page"));
  // After a dropped connection, catch up with what arrived meanwhile.
  let connectedBefore = false;
  onConnect(socket, () => {
    if (connectedBefore) refresh.add("page");
    connectedBefore = true;
  });
}
