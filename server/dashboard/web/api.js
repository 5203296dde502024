// api.js: the service's HTTP API and WebSocket, with the API key held in
// this tab's session storage and sent only in headers (never in a URL).

const KEY = "openchs-ai.key";

export function storedKey() { return sessionStorage.getItem(KEY) || ""; }
export function storeKey(k) { sessionStorage.setItem(KEY, k); }
export function forgetKey() { sessionStorage.removeItem(KEY); }

// ApiError carries the service's error code and sentence.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// call sends a request with the key; it returns the decoded JSON (or the
// text for non-JSON replies) and throws ApiError for any non-2xx.
export async function call(method, path, body) {
  const headers = { "X-API-Key": storedKey() };
  const res = await fetch(path, { method, headers, body, cache: "no-store" });
  const type = res.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(res.status, e.code || "http_" + res.status, e.message || `The service answered ${res.status}.`);
  }
  return data;
}

// b64url encodes a string as unpadded base64url (a WebSocket subprotocol
// token).
function b64url(s) {
  let bin = "";
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// openSocket opens the event WebSocket, authenticating with the key offered
// as a subprotocol beside "openchs-ai" (which the server answers with).
export function openSocket() {
  const url = new URL("/ws", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  return new WebSocket(url, ["openchs-ai", "openchs-ai.key." + b64url(storedKey())]);
}

// metric reads one un-labelled value from Prometheus text, or null.
export function metric(text, name) {
  const m = text.match(new RegExp("^" + name + " ([0-9.eE+-]+)$", "m"));
  return m ? Number(m[1]) : null;
}
