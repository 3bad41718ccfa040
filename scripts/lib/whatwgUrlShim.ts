// Stands in for the whatwg-url package in the bundle (scripts/build.mjs aliases it here). client-node's node-fetch 2
// imports it only as a fallback for runtimes without a global URL (`Url.URL || whatwgUrl.URL`), which Node 20 has;
// bundling it for nothing cost 280 KiB (tr46's Unicode tables) and their parse time at every activation.
export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;
