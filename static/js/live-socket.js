// One Socket.IO connection per page, shared by every live module (discussion, voting,
// reactions, the session panel). Each `io()` call on the same namespace would otherwise
// open a connection of its own.
//
//   import { sharedSocket, onConnect } from "./live-socket.js";
//   const socket = sharedSocket();
//   onConnect(socket, () => socket.emit("join", ...)); // also runs if already connected
import { io } from "../vendor/socket.io/socket.io.esm.min.js";

let socket = null;

/** The page's socket, opened on first use (with the page's session cookie). */
export function sharedSocket() {
  if (socket === null) socket = io();
  return socket;
}

/** Run `callback` on every (re)connection, and now if the socket is already connected. */
export function onConnect(target, callback) {
  target.on("connect", callback);
  if (target.connected) callback();
}
