// The edge's JSON API from the browser: bearer tokens kept for this tab (sessionStorage), refreshed
// once on a 401, errors thrown as ApiError with the edge's code, message and request id. A sign-in
// with Google or GitHub ends in the edge's cookie session instead (httpOnly cookies the page cannot
// read): then changes carry the X-CSRF-Token header repeating the readable isw_csrf cookie.
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `request failed (${status})`);
    this.status = status;
    this.code = error.code || `http_${status}`;
    this.requestId = error.request_id;
    this.field = error.field;
  }
}

export const session = {
  get access() { return sessionStorage.getItem("isw_access"); },
  get refresh() { return sessionStorage.getItem("isw_refresh"); },
  get account() { return JSON.parse(sessionStorage.getItem("isw_account") || "null"); },
  /// The cookie session's CSRF token, or null without one.
  get csrf() { return (document.cookie.split("; ").find((part) => part.startsWith("isw_csrf=")) || "").slice(9) || null; },
  get signedIn() { return Boolean(this.access || this.csrf); },
  remember(account) { sessionStorage.setItem("isw_account", JSON.stringify(account)); },
  save(tokens, account) {
    sessionStorage.setItem("isw_access", tokens.access_token);
    sessionStorage.setItem("isw_refresh", tokens.refresh_token);
    if (account) sessionStorage.setItem("isw_account", JSON.stringify(account));
  },
  /// Forgets the tokens and the account, nothing else: a refresh refused while another call is
  /// still out must not erase what the page keeps for after the sign-in (the ended-session note).
  clear() { for (const name of ["isw_access", "isw_refresh", "isw_account"]) sessionStorage.removeItem(name); },
};

function key() { return crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random(); }

/// Headers that authenticate a call: the bearer token, or for a cookie session the CSRF token.
function credentials(method) {
  if (session.access) return { Authorization: `Bearer ${session.access}` };
  if (session.csrf && !["GET", "HEAD"].includes(method)) return { "X-CSRF-Token": session.csrf };
  return {};
}

async function refreshTokens() {
  if (!session.refresh && session.csrf) {
    // The cookie session: the refresh cookie goes by itself; the answer sets new cookies.
    const response = await fetch("/api/v1/auth/refresh", { method: "POST", headers: credentials("POST") });
    return response.ok;
  }
  if (!session.refresh) return false;
  const response = await fetch("/api/v1/auth/refresh", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refresh_token: session.refresh }),
  });
  if (!response.ok) { session.clear(); return false; }
  const body = await response.json();
  session.save(body.tokens || body);
  return true;
}

/// A JSON call. `idempotent` sends an Idempotency-Key (one per call: a user's click is one request).
export async function api(method, path, body, { idempotent = false, retry = true, raw = false, signal } = {}) {
  const headers = credentials(method);
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (idempotent) headers["Idempotency-Key"] = key();
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  if (response.status === 401 && retry && await refreshTokens()) return api(method, path, body, { idempotent, retry: false, raw, signal });
  if (raw) {
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
    return response;
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

/// Uploads one file as raw bytes, reporting progress (0…1) as it goes; `bearer` is the tab's
/// session unless another credential is given (a phone hand-off's upload-only key).
export function uploadFile(file, onProgress, purpose = "upload", bearer = session.access) {
  const headers = bearer ? { Authorization: `Bearer ${bearer}` } : credentials("POST");
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", `/api/v1/files?purpose=${purpose}`);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
    request.upload.onprogress = (event) => { if (event.lengthComputable) onProgress(event.loaded / event.total); };
    request.onload = () => {
      const body = request.responseText ? JSON.parse(request.responseText) : null;
      if (request.status === 201) resolve(body); else reject(new ApiError(request.status, body));
    };
    request.onerror = () => reject(new ApiError(0, { error: { message: "the upload was interrupted" } }));
    request.send(file);
  });
}

/// Fetches a protected file (bearer) as an object URL, for <img> and downloads.
export async function objectURL(path) {
  const response = await api("GET", path, undefined, { raw: true });
  return URL.createObjectURL(await response.blob());
}

/// Reads a Server-Sent Events stream (bearer-authenticated, which EventSource cannot do) and calls
/// `onEvent(name, value)` with each event's JSON, in order, until the stream ends or `signal` aborts.
export async function events(path, onEvent, signal) {
  const response = await api("GET", path, undefined, { raw: true, signal });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    pending += value;
    let end;
    while ((end = pending.indexOf("\n\n")) >= 0) {
      const block = pending.slice(0, end);
      pending = pending.slice(end + 2);
      const name = (block.match(/^event: (.*)$/m) || [])[1] || "message";
      const data = (block.match(/^data: (.*)$/m) || [])[1];
      if (data !== undefined) await onEvent(name, JSON.parse(data));
    }
  }
}
