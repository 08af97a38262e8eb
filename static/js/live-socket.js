// The page's shared socket now lives in live.js, with the fragment helpers and format().
export { onConnect, sharedSocket } from "./live.js";
