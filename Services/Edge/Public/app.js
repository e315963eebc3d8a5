// ImageSwiss web app: plain modules, no build step. Each view is a function of the route; views
// fetch through api.js and render with `h`.
import { api, ApiError, session, uploadFile, objectURL, events } from "/api.js";
import { h, toast, failure, show, favouriteButton, credits, saveAs, dollars, themeChoice } from "/ui.js";
import { gallery } from "/gallery.js";
import { phoneHandoff, handoffPage } from "/handoff.js";
import { duplicateGroups, duplicatesView } from "/duplicates.js";
import { dailyChart, barRows } from "/charts.js";
import { reportsPanel } from "/reports.js";

/// A form whose submit runs `action`; errors are shown in the form, not thrown.
function form(fields, label, action) {
  const message = h("p", { class: "error", role: "alert" });
  const button = h("button", { type: "submit" }, label);
  const element = h("form", { class: "stack", onsubmit: async (event) => {
    event.preventDefault();
    message.textContent = "";
    button.disabled = true;
    try { await action(new FormData(element)); } catch (error) { message.textContent = failure(error); } finally { button.disabled = false; }
  } }, ...fields, button, message);
  return element;
}

function field(label, name, type = "text", attributes = {}) {
  return h("label", {}, label, h("input", { name, type, required: true, ...attributes }));
}

async function refreshBalance() {
  const target = document.getElementById("balance");
  if (!session.signedIn) { target.textContent = ""; return null; }
  try {
    const balance = await api("GET", "/api/v1/billing/balance");
    target.textContent = credits(balance.available);
    target.dataset.available = balance.available;
    return balance;
  } catch { target.textContent = ""; return null; }
}

function renderNav(route) {
  const account = session.account;
  const links = account
    ? [["#/upload", "Upload"], ["#/create", "Create"], ["#/models", "My models"], ["#/gallery", "Results"], ["#/history", "History"], ["#/billing", "Credits"], ["#/teams", "Teams"], ["#/notifications", "Notifications"],
      ["#/developers", "Developers"], ["#/account", "Account"]]
      .concat(account.role === "admin" ? [["#/admin", "Admin"]] : []).concat([["#/signout", "Sign out"]])
    : [["#/signin", "Sign in"], ["#/signup", "Sign up"]];
  document.getElementById("nav").replaceChildren(...links.map(([href, text]) =>
    h("a", { href, id: `nav-${href.slice(2)}`, "aria-current": route === href.slice(1) ? "page" : null }, text)));
}

/// The unread count beside "Notifications" in the navigation.
async function refreshUnread() {
  const link = document.getElementById("nav-notifications");
  if (!link) return;
  try {
    const page = await api("GET", "/api/v1/notifications?unread=true&page_size=1");
    link.textContent = page.unread_count ? `Notifications (${page.unread_count})` : "Notifications";
    link.dataset.unread = page.unread_count;
  } catch { /* the count is a hint */ }
}

// MARK: sign up, sign in

/// "Continue with Google / GitHub" for the providers this server has configured (none: nothing).
/// The provider's sign-in ends in the edge's cookie session, which the app then uses.
const PROVIDER_NAMES = { google: "Google", github: "GitHub" };
function oauthButtons() {
  const box = h("div", { class: "actions oauth", id: "oauth" });
  api("GET", "/api/v1/auth/oauth/providers").then((answer) => {
    box.replaceChildren(...(answer.providers || []).map((provider) => h("a", { class: "button secondary", id: `oauth-${provider}`,
      href: `/api/v1/auth/oauth/${encodeURIComponent(provider)}/start` }, `Continue with ${PROVIDER_NAMES[provider] || provider}`)));
  }, () => box.replaceChildren());
  return box;
}

function signUp() {
  show("Create your account", oauthButtons(), form([
    field("Email", "email", "email", { autocomplete: "email" }),
    field("Password (at least 10 characters)", "password", "password", { autocomplete: "new-password", minlength: 10 }),
  ], "Sign up", async (data) => {
    await api("POST", "/api/v1/auth/register", { email: data.get("email"), password: data.get("password") });
    await signInWith(data.get("email"), data.get("password"));
    toast("Welcome! We sent you a link to verify your email.");
  }));
}

async function signInWith(email, password) {
  const answer = await api("POST", "/api/v1/auth/signin", { email, password });
  session.save(answer.tokens, answer.account);
  // A link opened before signing in (a team invitation) is followed now.
  location.hash = sessionStorage.getItem("isw_after_signin") || "#/upload";
  sessionStorage.removeItem("isw_after_signin");
}

/// What a failed Google or GitHub sign-in came back with (only the code travels in the link).
const OAUTH_ERRORS = {
  oauth_failed: "Google or GitHub did not sign you in (no verified address, or the sign-in was refused). Try again, or use your password.",
  oauth_state_mismatch: "That sign-in was started in another browser or took too long. Start again.",
};

function signIn() {
  const failed = new URLSearchParams(location.hash.split("?")[1] || "").get("oauth_error");
  const ended = sessionStorage.getItem("isw_session_ended");
  sessionStorage.removeItem("isw_session_ended");
  show("Sign in",
    failed ? h("p", { class: "error", role: "alert", id: "oauth-error" },
      OAUTH_ERRORS[failed] || "The sign-in with Google or GitHub did not complete. Start again.") : null,
    ended ? h("p", { class: "banner", role: "status", id: "session-ended" }, "Your session has ended. Sign in again to go on where you were.") : null,
    oauthButtons(),
    form([field("Email", "email", "email", { autocomplete: "email" }), field("Password", "password", "password", { autocomplete: "current-password" })],
      "Sign in", (data) => signInWith(data.get("email"), data.get("password"))),
    h("p", {}, h("a", { href: "#/forgot" }, "Forgot your password?"), " · ", h("a", { href: "#/verify" }, "Verify your email")));
}

function forgot() {
  show("Reset your password",
    form([field("Email", "email", "email")], "Send a reset link", async (data) => {
      await api("POST", "/api/v1/auth/password/forgot", { email: data.get("email") });
      toast("If that address has an account, a link is on its way.");
    }),
    h("h2", {}, "Have a reset token?"),
    form([field("Token", "token"), field("New password", "password", "password", { minlength: 10 })], "Set the password", async (data) => {
      await api("POST", "/api/v1/auth/password/reset", { token: data.get("token"), new_password: data.get("password") });
      toast("Password changed. Sign in with it.");
      location.hash = "#/signin";
    }));
}

/// The token a mail's link carries in the fragment (/#/verify?token=…): fragments never reach a
/// server, so a mail scanner that fetches the link consumes nothing.
function linkToken() {
  return new URLSearchParams(location.hash.split("?")[1] || "").get("token") || "";
}

/// Opening the mail's link is the one click: the page verifies at once and says so.
async function verify() {
  const token = linkToken();
  const outcome = h("p", { id: "verify-outcome", role: "status" });
  show("Verify your email", outcome, form([field("Token from the email", "token", "text", { value: token })], "Verify", async (data) => {
    await api("POST", "/api/v1/auth/verify-email", { token: data.get("token") });
    outcome.textContent = "Email verified.";
    outcome.dataset.verified = "true";
  }));
  if (!token) return;
  try {
    await api("POST", "/api/v1/auth/verify-email", { token });
    outcome.textContent = "Email verified.";
    outcome.dataset.verified = "true";
    window.history.replaceState(null, "", "#/verify");
  } catch (error) {
    outcome.textContent = `${failure(error)} — the link may have been used or expired; ask for a new one from your account.`;
    outcome.className = "error";
  }
}

/// The reset mail's link: choose the new password; the token comes from the link.
function reset() {
  const token = linkToken();
  if (!token) { location.hash = "#/forgot"; return; }
  show("Choose a new password",
    form([field("New password", "password", "password", { minlength: 10, autocomplete: "new-password" })], "Set the password", async (data) => {
      await api("POST", "/api/v1/auth/password/reset", { token, new_password: data.get("password") });
      toast("Password changed. Sign in with it.");
      location.hash = "#/signin";
    }));
}

// MARK: notifications

const NOTIFICATION_KINDS = {
  batch_completed: "A batch has finished",
  job_failed: "A single job failed",
  credits_low: "Credits are running low",
  payment_failed: "A subscription payment failed",
  receipt: "A receipt for a payment (with its invoice)",
  subscription_ending: "My subscription is about to end",
  model_trained: "A personal model finished training",
  spend_limit_reached: "An AI spend limit held jobs back (administrators)",
};

async function notifications() {
  const [page, preferences, creditsLow] = await Promise.all([api("GET", "/api/v1/notifications?page_size=50"),
    api("GET", "/api/v1/notifications/preferences"), api("GET", "/api/v1/notifications/credits-low")]);
  const markAll = h("button", { id: "mark-all-read", class: "secondary", disabled: !page.unread_count, onclick: async () => {
    await api("POST", "/api/v1/notifications/read", { all: true });
    notifications();
  } }, "Mark all as read");
  const list = page.items.length
    ? h("ul", { class: "notifications", id: "notification-list" }, ...page.items.map((item) => h("li", { class: item.read ? "read" : "unread", "data-kind": item.kind },
      h("strong", {}, item.title), " ", h("time", { datetime: item.created_at }, new Date(item.created_at).toLocaleString()),
      h("p", {}, item.body), item.link ? h("a", { href: item.link, onclick: () => api("POST", "/api/v1/notifications/read", { ids: [item.id] }) }, "Open") : null)))
    : h("p", {}, "Nothing yet: you will be told here when a batch finishes or your credits run low.");
  const choices = preferences.preferences.map((preference) => h("label", { class: "inline" },
    h("input", { type: "checkbox", name: preference.kind, checked: preference.mail }), ` ${NOTIFICATION_KINDS[preference.kind] || preference.kind}`));
  show("Notifications", h("p", {}, `${page.unread_count} unread `, markAll), list,
    h("h2", {}, "Mail me when…"),
    form(choices, "Save mail choices", async (data) => {
      await api("PUT", "/api/v1/notifications/preferences",
        { preferences: preferences.preferences.map((preference) => ({ kind: preference.kind, mail: data.get(preference.kind) === "on" })) });
      toast("Mail choices saved. Notifications stay here either way.");
    }),
    h("h2", {}, "Low credits"),
    form([field("Warn me when my credits fall below", "threshold", "number", { min: 0, max: 1000000, value: creditsLow.threshold, id: "credits-low-threshold" })],
      "Save the threshold", async (data) => {
        const saved = await api("PUT", "/api/v1/notifications/credits-low", { threshold: Number(data.get("threshold")) });
        toast(`You will be warned below ${saved.threshold} credits.`);
      }));
  refreshUnread();
}

/// A mail's "unsubscribe" link: the token alone says which mail stops, so no sign-in is needed.
async function unsubscribe() {
  const token = linkToken();
  const outcome = h("p", { id: "unsubscribe-outcome", role: "status" });
  show("Unsubscribe", outcome);
  if (!token) { outcome.textContent = "This page needs the link from a mail."; return; }
  try {
    const answer = await api("POST", "/api/v1/notifications/unsubscribe", { token });
    outcome.textContent = `You will get no more mail about this: ${(NOTIFICATION_KINDS[answer.kind] || answer.kind).toLowerCase()}. ` +
      "You can change it back under Notifications.";
    outcome.dataset.kind = answer.kind;
    window.history.replaceState(null, "", "#/unsubscribe");
  } catch (error) {
    outcome.textContent = `${failure(error)} — the link may be incomplete; change your choices under Notifications.`;
    outcome.className = "error";
  }
}

async function signOut() {
  try {
    if (session.refresh) await api("POST", "/api/v1/auth/signout", { refresh_token: session.refresh });
    else if (session.csrf) await api("POST", "/api/v1/auth/signout");  // the cookie session: the edge clears it
  } catch { /* signed out anyway */ }
  session.clear();
  location.hash = "#/signin";
}

// MARK: the uploader

/// The checklist: operation → parameters the user may set (name, label, default, type/options).
// The checklist comes from the operation catalogue (GET /api/v1/operations): every operation, its
// parameters with their types, ranges and defaults, and whether it can run here now.
const CATEGORIES = { edit: "Size and shape", format: "Format", look: "Look", restore: "Restore", ai: "AI", analyse: "Analyse" };
let catalogue = null;
async function operations() {
  if (!catalogue) catalogue = (await api("GET", "/api/v1/operations")).items;
  return catalogue;
}

/// The control of one parameter: required ones and those with an example are shown, the others
/// wait under "More options". Values go out as typed JSON.
function parameterControl(operation, parameter, onchange, choices = null) {
  const id = `param-${operation}-${parameter.name}`;
  const initial = parameter.default ?? (parameter.required || parameter.example !== undefined ? parameter.example : undefined);
  let input;
  if (choices) {
    // Choices the server lists (an AI operation's models, the style presets): the first is the default.
    input = h("select", { id, onchange }, ...(parameter.required ? [] : [h("option", { value: "" }, "default")]),
      ...choices.map(([value, text]) => h("option", { value }, text)));
  } else if (parameter.type === "choice") {
    const blank = initial === undefined ? [h("option", { value: "" }, "—")] : [];
    input = h("select", { id, onchange }, ...blank, ...parameter.options.map((option) => h("option", { value: option, selected: option === initial }, option)));
  } else if (parameter.type === "boolean") {
    input = h("input", { id, type: "checkbox", checked: initial === "true", onchange });
  } else if (parameter.type === "integer" || parameter.type === "number") {
    input = h("input", { id, type: "number", min: parameter.minimum, max: parameter.maximum, step: parameter.type === "integer" ? parameter.step : "any",
      value: initial ?? "", required: parameter.required, oninput: onchange });
  } else if (parameter.type === "colour") {
    input = h("input", { id, type: "color", value: `#${(initial ?? "ffffff").replace("#", "")}`, oninput: onchange });
  } else {
    input = h("input", { id, type: "text", maxlength: parameter.max_length, value: initial ?? "", placeholder: parameter.example ?? "",
      required: parameter.required, oninput: onchange });
  }
  input.dataset.param = parameter.name;
  input.dataset.type = parameter.type;
  if (parameter.default !== undefined) input.dataset.default = parameter.default;
  const unit = parameter.unit ? ` (${parameter.unit})` : "";
  return h("label", { for: id, title: parameter.summary }, `${parameter.name.replaceAll("_", " ")}${unit}`, input);
}

/// A control's value as typed JSON, or undefined when it says nothing beyond the default.
function parameterValue(input) {
  const type = input.dataset.type;
  if (type === "boolean") return String(input.checked) === (input.dataset.default ?? "false") ? undefined : input.checked;
  let value = input.value;
  if (type === "colour") value = value.replace("#", "");
  if (value === "" || value === input.dataset.default) return undefined;
  if (type === "integer" || type === "number") return Number(value);
  return value;
}

/// The server-listed choices of a parameter, when it has any.
function choicesOf(operation, parameter, extras = {}) {
  if (parameter.name === "model" && operation.models?.length) {
    return operation.models.map((model) => [model.id, model.price_credits ? `${model.label} (${model.price_credits} credits)` : model.label]);
  }
  if (parameter.name === "preset" && extras.presets?.length) return extras.presets.map((preset) => [preset.id, preset.label]);
  if (parameter.name === "personal_model" && extras.personal) return extras.personal.map((model) => [model.id, model.name]);
  return null;
}

function checkItem(operation, onchange, extras = {}) {
  const box = h("input", { type: "checkbox", id: `op-${operation.name}`, name: operation.name, onchange, disabled: !operation.available });
  const controls = operation.parameters.filter((p) => p.type !== "file_id")
    .map((p) => [p, parameterControl(operation.name, p, onchange, choicesOf(operation, p, extras))]);
  const shown = controls.filter(([p]) => p.required || p.example !== undefined).map(([, control]) => control);
  const more = controls.filter(([p]) => !(p.required || p.example !== undefined)).map(([, control]) => control);
  const why = operation.available ? null
    : h("span", { class: "muted" }, operation.unavailable_reason === "provider_not_configured" ? "not available here: no AI provider is configured for it" : "not available here");
  return h("div", { class: "check", "data-operation": operation.name },
    h("label", { for: box.id, title: operation.summary }, box, operation.label), why,
    h("div", { class: "params" }, ...shown, more.length ? h("details", {}, h("summary", {}, "More options"), ...more) : null));
}

// The four corners of a photographed print, placed on the picture by dragging (mouse or touch) or
// with the arrow keys; they fill the perspective step's fractions, which stay editable as numbers.
const CORNERS = ["top_left", "top_right", "bottom_right", "bottom_left"];

function cornerEditor(check, onchange) {
  const input = (corner, axis) => check.querySelector(`[data-param="${corner}_${axis}"]`);
  const clamp = (value) => Math.min(1, Math.max(0, value));
  const read = (corner, axis) => clamp(Number(input(corner, axis).value) || 0);
  const picture = h("img", { alt: "The photo whose print to straighten", class: "corner-photo" });
  const svg = "http://www.w3.org/2000/svg";
  const outline = document.createElementNS(svg, "svg");
  outline.setAttribute("viewBox", "0 0 100 100");
  outline.setAttribute("preserveAspectRatio", "none");
  outline.setAttribute("class", "corner-outline");
  const polygon = document.createElementNS(svg, "polygon");
  outline.append(polygon);
  const frame = h("div", { class: "corner-frame", id: "corner-frame" }, picture, outline);
  const handles = CORNERS.map((corner) => {
    const handle = h("button", { type: "button", class: "corner-handle", id: `corner-${corner}`,
      "aria-label": `${corner.replace("_", " ")} corner: drag it, or move it with the arrow keys` });
    handle.addEventListener("pointerdown", (event) => { handle.setPointerCapture(event.pointerId); handle.dataset.dragging = "true"; });
    handle.addEventListener("pointermove", (event) => {
      if (!handle.dataset.dragging) return;
      const box = frame.getBoundingClientRect();
      place(corner, (event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height);
    });
    handle.addEventListener("pointerup", () => { delete handle.dataset.dragging; onchange(); });
    handle.addEventListener("keydown", (event) => {
      const move = { ArrowLeft: [-0.01, 0], ArrowRight: [0.01, 0], ArrowUp: [0, -0.01], ArrowDown: [0, 0.01] }[event.key];
      if (!move) return;
      event.preventDefault();
      place(corner, read(corner, "x") + move[0], read(corner, "y") + move[1]);
      onchange();
    });
    frame.append(handle);
    return handle;
  });
  function place(corner, x, y) {
    input(corner, "x").value = clamp(x).toFixed(3);
    input(corner, "y").value = clamp(y).toFixed(3);
    draw();
  }
  function draw() {
    CORNERS.forEach((corner, index) => {
      handles[index].style.left = `${read(corner, "x") * 100}%`;
      handles[index].style.top = `${read(corner, "y") * 100}%`;
    });
    polygon.setAttribute("points", CORNERS.map((corner) => `${read(corner, "x") * 100},${read(corner, "y") * 100}`).join(" "));
  }
  for (const field of check.querySelectorAll("[data-param]")) field.addEventListener("input", draw);
  const box = check.querySelector(`#op-${check.dataset.operation}`);
  const element = h("div", { class: "corner-editor", hidden: true },
    h("p", { class: "muted" }, "Drag the four handles onto the corners of the print; the rest is cut away and the print flattened."), frame);
  const update = () => { element.hidden = !box.checked || !picture.src; draw(); };
  box.addEventListener("change", update);
  check.append(element);
  draw();
  const hint = h("p", { class: "muted", id: "corner-hint", "aria-live": "polite" });
  element.append(hint);
  return {
    show(file) { if (picture.src) URL.revokeObjectURL(picture.src); picture.src = URL.createObjectURL(file); update(); },
    /// A photo already stored (one the phone sent), fetched to place the handles on.
    async showStored(id) {
      try {
        const url = await objectURL(`/api/v1/files/${id}/content`);
        if (picture.src) URL.revokeObjectURL(picture.src);
        picture.src = url;
        update();
      } catch (error) { hint.textContent = failure(error); }
    },
    /// The server's guess at the print's corners (GET /api/v1/files/{id}/corners), placed for the user to accept or move.
    async suggest(id) {
      try {
        const answer = await api("GET", `/api/v1/files/${id}/corners`);
        if (!answer.found) { hint.textContent = "No print stood out from the background: place the corners yourself."; return; }
        for (const corner of CORNERS) place(corner, answer.parameters[`${corner}_x`], answer.parameters[`${corner}_y`]);
        hint.textContent = "The corners were found for you: move any that are off.";
        onchange();
      } catch { hint.textContent = ""; }
    },
  };
}

async function uploader() {
  const uploaded = [];
  const list = h("ul", { class: "stack", "aria-label": "Files" });
  const picker = h("input", { type: "file", id: "files", multiple: true, accept: "image/*", capture: "environment" });
  const drop = h("div", { class: "drop" }, h("label", { for: "files" }, "Drop photos here or pick them (camera on phones)"), picker);
  const cost = h("p", { class: "cost", id: "cost", "aria-live": "polite" }, "Upload photos and tick what to do.");
  const submit = h("button", { id: "submit", disabled: true }, "Submit");
  const lane = h("select", { name: "lane", id: "lane" }, h("option", { value: "batch" }, "Batch (cheaper)"), h("option", { value: "fast" }, "Fast lane (priority)"));
  const available = (await operations()).filter((operation) => !GENERATORS.has(operation.name));
  const payer = await payerPicker(() => quote());
  const checks = available.map((operation) => checkItem(operation, quote));
  const perspective = checks.find((check) => check.dataset.operation === "perspective");
  const corners = perspective ? cornerEditor(perspective, quote) : null;
  const groups = Object.entries(CATEGORIES).map(([category, title]) => {
    const members = checks.filter((_, index) => available[index].category === category);
    return members.length ? h("fieldset", { class: "checklist" }, h("legend", {}, title), ...members) : null;
  });

  function steps() {
    return checks.filter((check) => check.querySelector(`#op-${check.dataset.operation}`).checked).map((check) => {
      const parameters = {};
      for (const input of check.querySelectorAll("[data-param]")) {
        const value = parameterValue(input);
        if (value !== undefined) parameters[input.dataset.param] = value;
      }
      return { operation: check.dataset.operation, parameters };
    });
  }

  let quoting = 0;
  async function quote() {
    const chosen = steps();
    const ids = uploaded.filter(Boolean);
    submit.disabled = true;
    if (!ids.length || !chosen.length) { cost.textContent = "Upload photos and tick what to do."; return; }
    const mine = ++quoting;
    try {
      const answer = await api("POST", "/api/v1/batches/quote", { input_file_ids: ids, steps: chosen, lane: lane.value, team_id: payer.teamID() });
      if (mine !== quoting) return;
      cost.textContent = `Cost: ${answer.total_credits} credits for ${answer.job_count} image${answer.job_count === 1 ? "" : "s"} · you have ${answer.available_credits}`;
      cost.dataset.credits = answer.total_credits;
      submit.disabled = !answer.sufficient;
      if (!answer.sufficient) cost.append(h("span", { class: "error" }, " — not enough credits. ", h("a", { href: "#/billing" }, "Buy credits")));
    } catch (error) {
      if (mine === quoting) cost.textContent = failure(error);
    }
  }
  lane.addEventListener("change", quote);

  // A photo picked while the network is gone waits in the list and goes when it returns (the
  // browser's "online" event); one that fails for another reason says why.
  function send(file, index, bar, state) {
    if (!navigator.onLine) return waitForNetwork(file, index, bar, state);
    state.textContent = "uploading…";
    state.className = "muted";
    uploadFile(file, (fraction) => { bar.value = fraction; }).then((blob) => {
      uploaded[index] = blob.id;
      if (corners && index === 0) corners.suggest(blob.id);
      bar.value = 1;
      state.textContent = "uploaded";
      state.className = "ok";
      quote();
    }, (error) => {
      if (error.status === 0 && !navigator.onLine) return waitForNetwork(file, index, bar, state);
      state.textContent = failure(error);
      state.className = "error";
    });
  }

  function waitForNetwork(file, index, bar, state) {
    bar.value = 0;
    state.textContent = "offline: waits and uploads when the network returns";
    state.className = "waiting";
    window.addEventListener("online", () => send(file, index, bar, state), { once: true });
  }

  async function add(files) {
    if (corners && files.length && !uploaded.length) corners.show(files[0]);
    for (const file of files) {
      const index = uploaded.length;
      uploaded.push(null);
      const bar = h("progress", { max: 1, value: 0, "aria-label": `Uploading ${file.name}` });
      const state = h("span", { class: "muted" });
      list.append(h("li", {}, file.name, " ", state, bar));
      send(file, index, bar, state);
    }
  }
  // A photo the phone sent through a hand-off: already uploaded, it joins the list as it is.
  function arrived(file) {
    const index = uploaded.length;
    uploaded.push(file.id);
    if (corners && index === 0) { corners.showStored(file.id); corners.suggest(file.id); }
    list.append(h("li", { "data-file": file.id }, file.name, " ", h("span", { class: "ok" }, "from your phone")));
    quote();
  }
  // Emptied after each pick, so picking the same photo again (or more photos) adds just those.
  picker.addEventListener("change", () => { add([...picker.files]); picker.value = ""; });
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => { event.preventDefault(); drop.classList.remove("over"); add([...event.dataTransfer.files]); });
  submit.addEventListener("click", async () => {
    submit.disabled = true;
    try {
      const batch = await api("POST", "/api/v1/batches", { input_file_ids: uploaded.filter(Boolean), steps: steps(), lane: lane.value, team_id: payer.teamID() }, { idempotent: true });
      location.hash = `#/batch/${batch.id}`;
    } catch (error) { cost.textContent = failure(error); submit.disabled = false; }
  });
  show("Upload and process", drop, phoneHandoff(arrived), list, h("h2", {}, "What should we do?"), ...groups,
    h("label", {}, "Lane", lane), payer.element, cost, submit);
}

// MARK: creating from words, personal models

// Operations that make pictures from words: the Create page offers them, not the upload checklist.
const GENERATORS = new Set(["generation", "generate_with_model", "train_model"]);

/// Prompt-to-image: a prompt, a model, a style preset, shape, count and seed, or one of the user's
/// own trained models; the quote before submitting, the results on the batch page.
async function create() {
  const all = await operations();
  const generation = all.find((operation) => operation.name === "generation");
  const personalOp = all.find((operation) => operation.name === "generate_with_model");
  const presets = (await api("GET", "/api/v1/ai/presets")).items;
  const personal = (await api("GET", "/api/v1/models")).items.filter((model) => model.status === "ready");
  if (!generation?.available && !personal.length) {
    show("Create from words", h("p", { class: "muted" }, "Generation is not available here: no AI provider is configured for it."));
    return;
  }
  const cost = h("p", { class: "cost", id: "create-cost", "aria-live": "polite" }, "Describe the picture.");
  const payer = await payerPicker(() => quote());
  const submit = h("button", { id: "create-submit", disabled: true }, "Create");
  const whose = h("select", { id: "create-subject" }, h("option", { value: "" }, "Any subject"),
    ...personal.map((model) => h("option", { value: model.id }, `My model: ${model.name}`)));
  const forms = {};
  for (const operation of [generation, personalOp]) {
    if (!operation) continue;
    forms[operation.name] = h("div", { class: "params", "data-operation": operation.name },
      ...operation.parameters.filter((p) => p.type !== "file_id" && p.name !== "personal_model")
        .map((p) => parameterControl(`create-${operation.name}`, p, quote, choicesOf(operation, p, { presets }))));
  }
  // The chosen preset's preview (a signed link the API lists), when it has one.
  const preview = h("img", { id: "preset-preview", alt: "", class: "preview", hidden: true });
  const presetSelect = forms.generation?.querySelector("[data-param=preset]");
  presetSelect?.addEventListener("change", () => {
    const url = presets.find((preset) => preset.id === presetSelect.value)?.preview_url;
    preview.hidden = !url;
    if (url) { preview.src = url; preview.alt = `${presetSelect.selectedOptions[0]?.textContent || ""} preview`; }
  });
  function chosen() {
    const operation = whose.value ? "generate_with_model" : "generation";
    const parameters = {};
    for (const input of forms[operation].querySelectorAll("[data-param]")) {
      const value = parameterValue(input);
      if (value !== undefined) parameters[input.dataset.param] = value;
    }
    if (whose.value) parameters.personal_model = whose.value;
    return { operation, parameters };
  }
  function showForm() {
    for (const [name, element] of Object.entries(forms)) element.hidden = name !== (whose.value ? "generate_with_model" : "generation");
    quote();
  }
  let quoting = 0;
  async function quote() {
    const step = chosen();
    submit.disabled = true;
    if (!step.parameters.prompt) { cost.textContent = "Describe the picture."; return; }
    const mine = ++quoting;
    try {
      const answer = await api("POST", "/api/v1/batches/quote", { input_file_ids: [], steps: [step], team_id: payer.teamID() });
      if (mine !== quoting) return;
      cost.textContent = `Cost: ${answer.total_credits} credits · you have ${answer.available_credits}`;
      submit.disabled = !answer.sufficient;
    } catch (error) { if (mine === quoting) cost.textContent = failure(error); }
  }
  whose.addEventListener("change", showForm);
  submit.addEventListener("click", async () => {
    submit.disabled = true;
    try {
      const batch = await api("POST", "/api/v1/batches", { input_file_ids: [], steps: [chosen()], team_id: payer.teamID() }, { idempotent: true });
      location.hash = `#/batch/${batch.id}`;
    } catch (error) { cost.textContent = failure(error); submit.disabled = false; }
  });
  show("Create from words", personal.length ? h("label", {}, "Subject", whose) : null, ...Object.values(forms), preview, payer.element, cost, submit,
    h("p", { class: "muted" }, "Train a model of your own subject on the ", h("a", { href: "#/models" }, "My models"), " page."));
  showForm();
}

/// Personal models: train one on 10–30 photos of a person, pet or product; see progress; delete.
async function models() {
  const training = (await operations()).find((operation) => operation.name === "train_model");
  const list = h("div", { id: "models-list" });
  async function refresh() {
    const page = await api("GET", "/api/v1/models");
    list.replaceChildren(page.items.length
      ? h("table", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Trigger word"), h("th", {}, "Status"), h("th", {}, "")),
        ...page.items.map((model) => h("tr", { "data-model": model.id },
          h("td", {}, model.name), h("td", {}, model.trigger_word),
          h("td", {}, model.status === "training" ? `training ${model.progress}%` : model.status, model.error ? h("span", { class: "error" }, ` ${model.error}`) : null),
          h("td", {}, h("button", { class: "secondary", onclick: async () => {
            if (!confirm(`Delete ${model.name} and its photos?`)) return;
            try { await api("DELETE", `/api/v1/models/${model.id}`); refresh(); } catch (error) { toast(failure(error)); }
          } }, "Delete")))))
      : h("p", { class: "muted" }, "No models yet."));
    if (page.items.some((model) => model.status === "training")) setTimeout(() => { if (location.hash === "#/models") refresh(); }, 3000);
  }
  const state = h("p", { id: "train-state", "aria-live": "polite" });
  const picker = h("input", { type: "file", id: "training-photos", multiple: true, accept: "image/jpeg,image/png,image/webp" });
  const start = form([
    field("Name", "name", "text", { required: true, maxlength: 60 }),
    field("Trigger word", "trigger_word", "text", { required: false, pattern: "[A-Za-z0-9]{2,40}", placeholder: "ohwx" }),
    h("label", { for: "training-photos" }, "10 to 30 photos of the subject", picker),
  ], "Train", async (values) => {
    const files = [...picker.files];
    const ids = [];
    for (const [index, file] of files.entries()) {
      state.textContent = `uploading ${index + 1} of ${files.length}…`;
      ids.push((await uploadFile(file, () => {}, "training")).id);
    }
    state.textContent = "starting the training…";
    const body = { name: values.get("name"), photo_ids: ids };
    if (values.get("trigger_word")) body.trigger_word = values.get("trigger_word");
    await api("POST", "/api/v1/models", body, { idempotent: true });
    state.textContent = "training: this takes a while; this page follows it.";
    refresh();
  });
  const offer = training?.available ? [h("h2", {}, "Train a new model"), start, state]
    : [h("p", { class: "muted" }, "Training is not available here: no trainer is configured.")];
  show("My models", list, ...offer);
  await refresh();
}

// MARK: teams

/// Teams: the caller's teams, a new one, and joining from an invitation link (#/teams/join?token=).
async function teams() {
  const list = (await api("GET", "/api/v1/teams")).items;
  const create = form([field("Team name", "name", "text", { maxlength: 100 })], "Create team", async (data) => {
    const team = await api("POST", "/api/v1/teams", { name: data.get("name") }, { idempotent: true });
    location.hash = `#/teams/${team.id}`;
  });
  show("Teams",
    h("p", { class: "muted" }, "A team shares one balance: members spend it on their own pictures, each within the limit the team sets. Your own credits and files stay yours."),
    list.length ? h("table", { id: "teams" }, h("tr", {}, h("th", {}, "Team"), h("th", {}, "Your role"), h("th", {}, "Your monthly limit")),
      ...list.map((team) => h("tr", {}, h("td", {}, h("a", { href: `#/teams/${team.id}` }, team.name)), h("td", {}, team.role),
        h("td", {}, team.monthly_limit ?? "none"))))
      : h("p", { class: "muted" }, "You are in no team yet."),
    h("h2", {}, "New team"), create);
}

async function joinTeam() {
  const token = linkToken();
  try {
    const team = await api("POST", "/api/v1/teams/join", { token });
    toast(`You joined ${team.name}.`);
    location.hash = `#/teams/${team.id}`;
  } catch (error) {
    show("Join a team", h("p", { class: "error", role: "alert" }, failure(error)),
      h("p", {}, "Sign in with the address the invitation was sent to, then open the link again."));
  }
}

/// One team: its balance and packs (owners and admins buy), members with this month's spending and
/// limits, invitations; leaving or deleting.
async function teamView(id) {
  const [team, packs, shared] = await Promise.all([api("GET", `/api/v1/teams/${id}`), api("GET", "/api/v1/billing/packs"),
    api("GET", `/api/v1/teams/${id}/files?page_size=50`)]);
  const me = session.account?.id;
  const manages = team.role !== "member";
  const buy = async (pack) => {
    const checkout = await api("POST", `/api/v1/teams/${id}/billing/checkout`, { pack_id: pack.id }, { idempotent: true });
    if (checkout.provider === "local") {
      await api("POST", `/api/v1/teams/${id}/billing/checkout/${checkout.id}/complete`);
      toast(`${pack.credits} credits added to ${team.name}.`);
      teamView(id);
    } else {
      location.href = checkout.payment_url;
    }
  };
  const limitInput = (member) => {
    const input = h("input", { type: "number", min: 0, value: member.monthly_limit ?? "", placeholder: "none", "aria-label": `Monthly limit of ${member.email}`, class: "narrow" });
    return h("span", {}, input, h("button", { class: "secondary", onclick: async () => {
      try {
        await api("PATCH", `/api/v1/teams/${id}/members/${member.account_id}`, { monthly_limit: input.value === "" ? null : Number(input.value) });
        toast("Limit saved."); teamView(id);
      } catch (error) { toast(failure(error)); }
    } }, "Save"));
  };
  const memberRow = (member) => h("tr", { "data-member": member.account_id },
    h("td", {}, member.display_name || member.email, member.account_id === me ? " (you)" : ""), h("td", {}, member.role),
    h("td", {}, member.spent_this_month ?? "—"),
    h("td", {}, manages && member.role !== "owner" && (team.role === "owner" || member.role === "member") ? limitInput(member) : (member.monthly_limit ?? "none")),
    h("td", {}, manages && member.account_id !== me && (member.role === "member" || (team.role === "owner" && member.role === "admin"))
      ? h("button", { class: "secondary", onclick: async () => {
        if (!confirm(`Remove ${member.email} from ${team.name}?`)) return;
        try { await api("DELETE", `/api/v1/teams/${id}/members/${member.account_id}`); teamView(id); } catch (error) { toast(failure(error)); }
      } }, "Remove") : null));
  const invite = form([
    field("Email", "email", "email"),
    h("label", {}, "Role", h("select", { name: "role" }, h("option", { value: "member" }, "Member"),
      team.role === "owner" ? h("option", { value: "admin" }, "Admin") : null)),
    field("Monthly limit (credits, empty: none)", "monthly_limit", "number", { min: 0, required: false }),
  ], "Invite", async (data) => {
    const body = { email: data.get("email"), role: data.get("role") };
    if (data.get("monthly_limit")) body.monthly_limit = Number(data.get("monthly_limit"));
    await api("POST", `/api/v1/teams/${id}/invitations`, body);
    toast(`Invitation mailed to ${body.email}.`);
    teamView(id);
  });
  show(team.name,
    h("p", { id: "team-balance" }, `Team balance: ${team.balance?.available ?? "?"} credits · you are ${team.role}`,
      team.monthly_limit != null ? ` · your limit ${team.monthly_limit} a month, ${team.spent_this_month ?? 0} spent` : ""),
    h("p", { class: "muted" }, "Choose this team under “Pay from” when you upload or create to spend its credits."),
    manages ? h("h2", {}, "Buy credits for the team") : null,
    manages ? h("div", { class: "grid" }, ...packs.items.map((pack) => h("div", { class: "card" }, h("h3", {}, pack.name),
      h("p", {}, `${pack.credits} credits for ${dollars(pack.price_cents)}`),
      h("button", { id: `team-buy-${pack.id}`, onclick: () => buy(pack).catch((error) => toast(failure(error))) }, "Buy")))) : null,
    h("h2", {}, "Members"),
    h("table", { id: "members" }, h("tr", {}, h("th", {}, "Member"), h("th", {}, "Role"), h("th", {}, "Spent this month"), h("th", {}, "Monthly limit"), h("th", {}, "")),
      ...(team.members || []).map(memberRow)),
    h("h2", {}, "Shared with the team"),
    shared.items.length ? h("ul", { id: "team-files" }, ...shared.items.map((file) => h("li", {}, file.name || file.id, " ",
      h("button", { class: "secondary", onclick: async () => {
        saveAs(await objectURL(`/api/v1/teams/${id}/files/${file.id}/content`), file.name || file.id);
      } }, "Download"))))
      : h("p", { class: "muted" }, "Nothing shared yet: members share results from their batch pages."),
    manages ? h("h2", {}, "Invite") : null, manages ? invite : null,
    manages && team.invitations?.length ? h("table", { id: "invitations" }, ...team.invitations.map((invitation) => h("tr", {},
      h("td", {}, invitation.email), h("td", {}, invitation.role), h("td", {}, `until ${new Date(invitation.expires_at).toLocaleDateString()}`),
      h("td", {}, h("button", { class: "secondary", onclick: async () => {
        try { await api("DELETE", `/api/v1/teams/${id}/invitations/${invitation.id}`); teamView(id); } catch (error) { toast(failure(error)); }
      } }, "Withdraw"))))) : null,
    team.role === "owner"
      ? h("button", { class: "secondary", id: "delete-team", onclick: async () => {
        if (!confirm(`Delete ${team.name}? Members keep their own credits and files.`)) return;
        try { await api("DELETE", `/api/v1/teams/${id}`); location.hash = "#/teams"; } catch (error) { toast(failure(error)); }
      } }, "Delete team")
      : h("button", { class: "secondary", id: "leave-team", onclick: async () => {
        if (!confirm(`Leave ${team.name}?`)) return;
        try { await api("DELETE", `/api/v1/teams/${id}/members/${me}`); location.hash = "#/teams"; } catch (error) { toast(failure(error)); }
      } }, "Leave team"));
}

/// "Pay from": one's own credits or a team's; absent when the caller is in no team.
async function payerPicker(onchange) {
  const list = (await api("GET", "/api/v1/teams")).items;
  if (!list.length) return { element: null, teamID: () => undefined };
  const select = h("select", { id: "payer", name: "payer", onchange },
    h("option", { value: "" }, "My credits"), ...list.map((team) => h("option", { value: team.id }, `Team ${team.name}`)));
  return { element: h("label", {}, "Pay from", select), teamID: () => select.value || undefined };
}

// MARK: progress, results, history

async function batchView(id) {
  const bar = h("progress", { max: 100, value: 0, id: "batch-progress", "aria-label": "Batch progress" });
  const status = h("p", { id: "batch-status", "aria-live": "polite" }, "queued");
  const jobs = h("div", { class: "grid", id: "jobs" });
  const zip = h("button", { id: "download-zip", disabled: true }, "Download all (zip)");
  zip.addEventListener("click", async () => {
    saveAs(await objectURL(`/api/v1/batches/${id}/zip`), `imageswiss-${id.slice(0, 8)}.zip`);
  });
  show("Your batch", status, bar, zip, jobs);
  const myTeams = (await api("GET", "/api/v1/teams")).items;
  const shown = new Map();
  const here = `#/batch/${id}`;
  // Progress arrives over Server-Sent Events (no polling): the batch and its jobs, then each change.
  // Leaving the page closes the stream; a stream that ends before the batch is final is reopened.
  const leaving = new AbortController();
  window.addEventListener("hashchange", () => leaving.abort(), { once: true });
  let batch = null;

  async function showJob(job) {
    let card = shown.get(job.id);
    if (!card) {
      card = { bar: h("progress", { max: 100, value: 0, "aria-label": `Job ${job.id}` }), state: h("p", {}), images: h("div", {}) };
      shown.set(job.id, card);
      jobs.append(h("div", { class: "card" }, card.images, card.state, card.bar));
    }
    card.bar.value = job.progress;
    card.state.textContent = `${job.status}${job.error ? ` — ${job.error}` : ""}`;
    if (job.status !== "succeeded" || card.done) return;
    card.done = true;
    const groups = duplicateGroups(job);
    if (groups) { card.images.replaceChildren(duplicatesView(groups)); card.images.parentElement.classList.add("wide"); return; }
    const before = job.input_file_ids[0], after = job.thumbnail_file_ids[0] || job.output_file_ids[0];
    const pictures = [];
    if (before) pictures.push(h("img", { alt: "before", src: await objectURL(`/api/v1/files/${before}/content`) }));
    if (after) pictures.push(h("img", { alt: "after", src: await objectURL(`/api/v1/files/${after}/content`) }));
    card.images.replaceChildren(...pictures);
    const output = job.output_file_ids[0];
    if (output && myTeams.length) card.images.after(shareControl(output, myTeams));
    if (output) card.state.after(webLinkControl(output));
  }

  function showBatch(value) {
    batch = value;
    bar.value = batch.progress;
    status.textContent = `${batch.status} · ${batch.progress}% · ${credits(batch.charged_credits || batch.quoted_credits)}`;
    status.dataset.status = batch.status;
  }

  while (location.hash === here) {
    try {
      await events(`/api/v1/batches/${id}/events`, (name, value) => name === "batch" ? showBatch(value) : showJob(value), leaving.signal);
    } catch (error) {
      if (!leaving.signal.aborted) status.textContent = failure(error);
      return;
    }
    if (batch && !["queued", "running"].includes(batch.status)) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  if (batch && location.hash === here) {
    zip.disabled = !batch.output_file_ids.length;
    refreshBalance();
  }
}

/// "Share with a team": the result stays the user's; the team's members may read it.
function shareControl(fileID, teams) {
  const select = h("select", { "aria-label": "Team to share with" }, ...teams.map((team) => h("option", { value: team.id }, team.name)));
  return h("p", { class: "share" }, select, h("button", { class: "secondary", onclick: async () => {
    try { await api("POST", `/api/v1/files/${fileID}/share`, { team_id: select.value }); toast("Shared with the team."); } catch (error) { toast(failure(error)); }
  } }, "Share"));
}

/// "Link for the web": a signed transformation link of a result (a size and a format), for an
/// <img> on one's own site. Nothing is computed until the link is first opened; that first view is
/// charged once, at the resize price; every later view is free.
function webLinkControl(fileID) {
  const size = h("select", { "aria-label": "Link size", class: "web-link-size" },
    ...[["320", "Small (320 px)"], ["800", "Medium (800 px)"], ["1600", "Large (1600 px)"]].map(([value, label]) => h("option", { value }, label)));
  const format = h("select", { "aria-label": "Link format", class: "web-link-format" },
    ...[["auto", "Best for the browser"], ["jpeg", "JPEG"], ["webp", "WebP"], ["avif", "AVIF"], ["png", "PNG"]].map(([value, label]) => h("option", { value }, label)));
  const url = h("input", { class: "web-link-url", readonly: true, "aria-label": "Link for the web", placeholder: "no link yet" });
  const make = h("button", { class: "secondary web-link", onclick: async () => {
    try {
      const link = await api("POST", `/api/v1/files/${fileID}/transformations`, { options: `rs:fit:${size.value}:${size.value}/f:${format.value}` });
      url.value = new URL(link.path, location.origin).href;
      url.select();
    } catch (error) { toast(failure(error)); }
  } }, "Link for the web");
  return h("p", { class: "web-link-row" }, size, format, make, url,
    h("small", {}, " The first view of a link is charged once at the resize price; later views are free."));
}

async function history() {
  const query = new URLSearchParams(location.hash.split("?")[1] || "");
  const status = query.get("status") || "", onlyFavourites = query.get("favourites") === "1";
  const reload = () => { location.hash = `#/history?status=${filter.value}&favourites=${starred.checked ? 1 : 0}`; };
  const filter = h("select", { "aria-label": "Status", onchange: reload },
    ...["", "queued", "running", "succeeded", "failed", "canceled", "expired"].map((value) => h("option", { value, selected: value === status }, value || "all")));
  const starred = h("input", { type: "checkbox", id: "only-favourites", checked: onlyFavourites, onchange: reload });
  const page = await api("GET", `/api/v1/jobs?page_size=100${status ? `&status=${status}` : ""}${onlyFavourites ? "&favourite=true" : ""}`);
  show("History", h("div", { class: "check" }, h("label", {}, "Status", filter), h("label", { for: "only-favourites" }, starred, "Favourites only")),
    h("table", {}, h("tr", {}, h("th", {}, "★"), h("th", {}, "When"), h("th", {}, "Tool"), h("th", {}, "Status"), h("th", {}, "Credits"), h("th", {}, "")),
      ...page.items.map((job) => h("tr", {},
        h("td", {}, favouriteButton(job, history)),
        h("td", {}, new Date(job.created_at).toLocaleString()), h("td", {}, job.batch_id ? h("a", { href: `#/batch/${job.batch_id}` }, job.tool) : job.tool),
        h("td", {}, job.status, job.error ? h("span", { class: "error" }, ` ${job.error}`) : null), h("td", {}, job.charged_credits || job.quoted_credits),
        h("td", {}, ["queued", "running"].includes(job.status) ? h("button", { class: "secondary", onclick: async () => {
          await api("POST", `/api/v1/jobs/${job.id}/cancel`); history();
        } }, "Cancel") : null)))));
}

// MARK: credits

async function billing() {
  const [balance, packs, tiers, subscription, receipts, invoices, profile, usage] = await Promise.all([
    refreshBalance(), api("GET", "/api/v1/billing/packs"), api("GET", "/api/v1/billing/tiers"),
    api("GET", "/api/v1/billing/subscription"), api("GET", "/api/v1/billing/receipts"),
    api("GET", "/api/v1/billing/invoices"), api("GET", "/api/v1/billing/profile"), api("GET", "/api/v1/billing/usage?days=30"),
  ]);
  const buy = async (pack) => {
    const checkout = await api("POST", "/api/v1/billing/checkout", { pack_id: pack.id }, { idempotent: true });
    if (checkout.provider === "local") {
      await api("POST", `/api/v1/billing/checkout/${checkout.id}/complete`);
      toast(`${pack.credits} credits added.`);
      billing();
    } else {
      location.href = checkout.payment_url;
    }
  };
  show("Credits",
    h("p", { id: "available" }, `Available: ${balance ? balance.available : "?"} credits (${balance ? balance.held : 0} held) · tier ${balance ? balance.tier : ""}`),
    packs.payment_provider === "local" ? h("p", { id: "test-payments", class: "banner", role: "note" },
      "Test payments: this ImageSwiss runs in development mode and takes no money. Buying completes at once.") : null,
    h("h2", {}, "Buy credits"),
    h("div", { class: "grid" }, ...packs.items.map((pack) => h("div", { class: "card" }, h("h3", {}, pack.name),
      h("p", {}, `${pack.credits} credits for ${dollars(pack.price_cents)}`),
      h("button", { id: `buy-${pack.id}`, onclick: () => buy(pack).catch((error) => toast(failure(error))) }, "Buy")))),
    h("h2", {}, "Subscription"),
    h("p", { id: "subscription" }, `You are on ${subscription.tier.name}${subscription.tier.price_cents ? `, paid ${subscription.interval === "year" ? "yearly" : "monthly"}` : ""}${subscription.next_tier ? `, changing to ${subscription.next_tier}${subscription.next_interval === "year" ? " (yearly)" : ""} at the period's end` : ""}.`),
    subscription.past_due ? h("p", { class: "banner", role: "alert" }, "Your last subscription payment failed. Update your card to keep your plan.") : null,
    packs.payment_provider === "stripe" && subscription.tier.price_cents ? h("button", { class: "secondary", id: "portal", onclick: async () => {
      try { location.href = (await api("POST", "/api/v1/billing/portal")).url; } catch (error) { toast(failure(error)); }
    } }, "Cards and invoices") : null,
    h("div", { class: "grid" }, ...tiers.items.map((tier) => tierCard(tier, subscription))),
    h("h2", {}, "Usage"),
    usageSummary(usage),
    h("h2", {}, "Invoices"),
    invoices.items.length ? h("table", { id: "invoices" }, ...invoices.items.map((invoice) => h("tr", {}, h("td", {}, invoice.number),
      h("td", {}, invoice.description), h("td", {}, `${dollars(invoice.total_cents)} (tax ${dollars(invoice.tax_cents)})`),
      h("td", {}, h("button", { class: "secondary", onclick: async () => {
        saveAs(await objectURL(invoice.pdf_url), `${invoice.number}.pdf`);
      } }, "PDF"), ...(invoice.credit_notes || []).map((note) => h("button", { class: "secondary", title: `Refund of ${dollars(note.total_cents)}`, onclick: async () => {
        saveAs(await objectURL(note.pdf_url), `${note.number}.pdf`);
      } }, `${note.number} (refund ${dollars(note.total_cents)})`)))))) : h("p", { class: "muted" }, "No invoices yet."),
    h("details", {}, h("summary", {}, "Details on your invoices"),
      form([field("Name or company", "name", "text", { value: profile.name, maxlength: 200, required: false }),
        field("Address", "address", "text", { value: profile.address, maxlength: 500, required: false }),
        field("Country (two letters, e.g. DE)", "country", "text", { value: profile.country, maxlength: 2, required: false }),
        field("Tax id", "tax_id", "text", { value: profile.tax_id, maxlength: 50, required: false })], "Save", async (data) => {
        await api("PUT", "/api/v1/billing/profile", Object.fromEntries(["name", "address", "country", "tax_id"].map((name) => [name, data.get(name) || ""])));
        toast("Saved: later invoices carry these details.");
      })),
    h("h2", {}, "Receipts"),
    receipts.items.length ? h("table", {}, ...receipts.items.map((receipt) => h("tr", {}, h("td", {}, receipt.number), h("td", {}, receipt.description),
      h("td", {}, dollars(receipt.amount_cents)), h("td", {}, new Date(receipt.created_at).toLocaleDateString())))) : h("p", { class: "muted" }, "No receipts yet."));
}


// Usage over 7, 30 or 90 days: credits and pictures per day as column charts (SVG drawn here, no
// library), credits per operation as bars, and the day-by-day CSV. Changing the period refetches.
function usageSummary(usage) {
  const box = h("div", { id: "usage" });
  const draw = (usage) => {
    const byOperation = {};
    for (const line of usage.lines) byOperation[line.operation] = (byOperation[line.operation] || 0) + line.credits_spent;
    const csv = h("button", { class: "secondary", id: "usage-csv", onclick: async () => {
      saveAs(await objectURL(`/api/v1/billing/usage?days=${usage.days}&format=csv`), `imageswiss-usage-${usage.days}d.csv`);
    } }, "Download CSV");
    const period = h("div", { class: "segmented", role: "group", "aria-label": "Period" }, ...[7, 30, 90].map((days) =>
      h("button", { class: days === usage.days ? "" : "secondary", id: `usage-${days}d`, "aria-pressed": String(days === usage.days), onclick: async () => {
        draw(await api("GET", `/api/v1/billing/usage?days=${days}`));
      } }, `${days} days`)));
    box.replaceChildren(period,
      h("p", {}, `${usage.total_credits} credits on ${usage.total_charges} charged items · ${usage.total_jobs} jobs · ` +
        `${usage.total_files_processed} pictures processed · ${usage.total_api_calls} API calls.`),
      dailyChart("Credits spent per day", usage.days, usage.lines, (line) => line.credits_spent, "usage-credits-chart"),
      dailyChart("Pictures processed per day", usage.days, usage.lines, (line) => line.files_processed, "usage-files-chart"),
      ...barRows(Object.entries(byOperation).sort((a, b) => b[1] - a[1]), "credits"),
      csv);
  };
  draw(usage);
  return box;
}

function tierCard(tier, subscription) {
  const choose = (interval) => async () => {
    try {
      const changed = await api("PUT", "/api/v1/billing/subscription", { tier: tier.id, interval }, { idempotent: true });
      if (changed.checkout_url) location.href = changed.checkout_url; else billing();
    } catch (error) { toast(failure(error)); }
  };
  const current = (interval) => tier.id === subscription.tier.id && (subscription.interval === interval || !tier.price_cents);
  const button = (interval, label) => current(interval) ? h("p", { class: "muted" }, `Current${tier.price_cents ? ` (${label.toLowerCase()})` : ""}`)
    : h("button", { class: "secondary", id: `tier-${tier.id}-${interval}`, onclick: choose(interval) }, label);
  return h("div", { class: "card" }, h("h3", {}, tier.name),
    h("p", {}, tier.price_cents ? `${dollars(tier.price_cents)} a month${tier.annual_price_cents ? ` or ${dollars(tier.annual_price_cents)} a year` : ""}` : "Free"),
    h("p", {}, `${tier.monthly_credits} credits a month${tier.carry_over && tier.price_cents ? ", carried over while subscribed" : ""} · results up to ${tier.max_output_pixels}p${tier.priority ? " · priority" : ""}`),
    tier.price_cents ? button("month", "Monthly") : button("month", "Choose"),
    tier.annual_price_cents ? button("year", "Yearly") : null);
}

// MARK: account

async function account() {
  const [me, signIns] = await Promise.all([api("GET", "/api/v1/me"), api("GET", "/api/v1/me/sign-ins")]);
  show("Account",
    h("p", {}, `${me.email}${me.email_verified ? "" : " (not verified)"} · ${me.role}`),
    h("h2", {}, "Profile"),
    form([field("Display name", "display_name", "text", { value: me.display_name || "", maxlength: 100 })], "Save", async (data) => {
      await api("PATCH", "/api/v1/me", { display_name: data.get("display_name") });
      toast("Profile saved.");
    }),
    h("h2", {}, "Password"),
    form([field("Current password", "current", "password", { autocomplete: "current-password" }),
      field("New password", "next", "password", { autocomplete: "new-password", minlength: 10 })], "Change the password", async (data) => {
      await api("POST", "/api/v1/me/password", { current_password: data.get("current"), new_password: data.get("next") });
      toast("Password changed; your other sessions were signed out.");
    }),
    h("h2", {}, "Picture"), avatarControl(me),
    h("h2", {}, "Appearance"),
    themeChoice(),
    h("h2", {}, "Recent sign-ins"),
    h("table", {}, ...(signIns.items || []).slice(0, 10).map((event) => h("tr", {}, h("td", {}, new Date(event.at).toLocaleString()),
      h("td", {}, event.client_ip), h("td", {}, event.user_agent.slice(0, 60)), h("td", { class: event.succeeded ? "ok" : "error" }, event.succeeded ? "signed in" : "failed")))),
    h("p", {}, "API keys, webhooks and links for the web are on the ", h("a", { href: "#/developers" }, "developers page"), "."),
    h("h2", {}, "Your data"),
    h("p", {}, h("button", { class: "secondary", id: "export-account", onclick: async () => {
      try { saveAs(await objectURL("/api/v1/me/export"), "imageswiss-account.json"); } catch (error) { toast(failure(error)); }
    } }, "Download everything we hold about your account (JSON)")),
    h("h2", {}, "Delete the account"),
    h("p", { class: "muted" }, "Your sign-ins, keys and settings go at once; your files and results are deleted with it. This cannot be undone."),
    form([field("Password", "password", "password", { autocomplete: "current-password", id: "delete-password" })], "Delete my account", async (data) => {
      if (!confirm("Delete your account and everything in it?")) return;
      await api("DELETE", "/api/v1/me", { password: data.get("password") });
      session.clear();
      location.hash = "#/";
      toast("Your account was deleted.");
    }));
}

/// The account's picture: shown, replaced by an upload (purpose avatar), or removed.
function avatarControl(me) {
  const picture = h("img", { class: "avatar", id: "avatar", alt: "Your picture", hidden: !me.avatar_blob_id });
  if (me.avatar_blob_id) objectURL(`/api/v1/files/${me.avatar_blob_id}/content`).then((url) => { picture.src = url; }, () => { picture.hidden = true; });
  const picker = h("input", { type: "file", id: "avatar-file", accept: "image/jpeg,image/png,image/webp" });
  picker.addEventListener("change", async () => {
    const file = picker.files[0];
    if (!file) return;
    try {
      const blob = await uploadFile(file, () => {}, "avatar");
      await api("PATCH", "/api/v1/me", { avatar_blob_id: blob.id });
      picture.src = URL.createObjectURL(file);
      picture.hidden = false;
      toast("Picture saved.");
    } catch (error) { toast(failure(error)); }
    picker.value = "";
  });
  return h("div", { class: "avatar-row" }, picture, h("label", {}, "Choose a picture", picker));
}

// MARK: developers

/// What a key may do (Auth's scopes; a key never manages keys, accounts or other users).
const KEY_SCOPES = ["profile:read", "files:read", "files:write", "jobs:read", "jobs:write", "billing:read"];

/// A secret shown once, in the page (not an alert): selectable, with a copy button.
function shownOnce(label, secret) {
  const box = document.getElementById("shown-once");
  box.replaceChildren(h("strong", {}, `${label} (shown once): `), h("code", { id: "shown-once-secret" }, secret), " ",
    h("button", { class: "secondary", onclick: () => navigator.clipboard?.writeText(secret).then(() => toast("Copied.")) }, "Copy"));
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}

/// Developers: the API's quick start on this server, API keys (scopes, expiry, usage), webhooks (a
/// test event, the delivery log, redelivery) and the keys and presets of links for the web.
async function developers() {
  const [keys, hooks, linkKeys, presets] = await Promise.all([api("GET", "/api/v1/auth/keys"), api("GET", "/api/v1/webhooks"),
    api("GET", "/api/v1/transformations/keys"), api("GET", "/api/v1/transformations/presets")]);
  const log = h("div", { id: "delivery-log" });
  const origin = location.origin;
  const deliveries = async (hook) => {
    const page = await api("GET", `/api/v1/webhooks/${hook.id}/deliveries`);
    log.replaceChildren(h("h3", {}, `Deliveries to ${hook.url}`), h("table", {}, ...page.items.map((d) => h("tr", {}, h("td", {}, d.event), h("td", {}, d.status),
      h("td", {}, `${d.attempts} attempt(s)`), h("td", {}, d.last_status_code || d.last_error || ""),
      h("td", {}, h("button", { class: "secondary", onclick: async () => {
        try { await api("POST", `/api/v1/webhooks/${hook.id}/deliveries/${d.id}/redeliver`, undefined, { idempotent: true }); toast("Sent again."); deliveries(hook); } catch (error) { toast(failure(error)); }
      } }, "Redeliver"))))));
  };
  show("Developers",
    h("p", {}, "Everything in ImageSwiss is an HTTP API: the ", h("a", { href: "/api/v1/docs" }, "API reference"), " (also as ",
      h("a", { href: "/api/v1/openapi.json" }, "OpenAPI"), ") lists every operation."),
    h("h2", {}, "Quick start"),
    h("pre", { id: "quick-start" }, [
      `# an API key from below in $KEY, then: upload (answers the file's id), quote, submit, follow, download`,
      `curl -s -H "Authorization: Bearer $KEY" -H "Content-Type: application/octet-stream" -H "X-File-Name: photo.jpg" \\`,
      `  --data-binary @photo.jpg "${origin}/api/v1/files?purpose=upload"`,
      `curl -s -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\`,
      `  -d '{"input_file_ids":["FILE"],"steps":[{"operation":"resize","parameters":{"width":512}}]}' ${origin}/api/v1/batches/quote`,
      `curl -s -H "Authorization: Bearer $KEY" -H "Idempotency-Key: $(uuidgen)" -H "Content-Type: application/json" \\`,
      `  -d '{"input_file_ids":["FILE"],"steps":[{"operation":"resize","parameters":{"width":512}}]}' ${origin}/api/v1/batches`,
      `curl -s -H "Authorization: Bearer $KEY" ${origin}/api/v1/batches/BATCH`,
      `curl -s -H "Authorization: Bearer $KEY" -o results.zip ${origin}/api/v1/batches/BATCH/zip`,
    ].join("\n")),
    h("p", { id: "shown-once", class: "card", hidden: true, role: "status" }),
    h("h2", {}, "API keys"),
    h("table", { id: "api-keys" }, ...keys.items.map((item) => h("tr", {}, h("td", {}, item.name), h("td", {}, (item.scopes || []).join(" ")),
      h("td", {}, item.revoked ? "revoked" : item.expired ? "expired" : item.expires_at ? `expires ${new Date(item.expires_at).toLocaleString()}` : "no expiry"),
      h("td", { id: `key-usage-${item.id}` }, h("button", { class: "secondary", onclick: async () => {
        const usage = await api("GET", `/api/v1/auth/keys/${item.id}/usage?days=30`);
        document.getElementById(`key-usage-${item.id}`).textContent = `${usage.calls} calls, ${usage.errors} errors in 30 days`;
      } }, "Usage")),
      h("td", {}, h("button", { class: "secondary", onclick: async () => { await api("DELETE", `/api/v1/auth/keys/${item.id}`); developers(); } }, "Revoke"))))),
    form([field("Name", "name"), h("label", {}, "Expires after",
      h("select", { name: "expires_in_days" }, ...[["0", "never"], ["30", "30 days"], ["90", "90 days"], ["365", "a year"]].map(([value, text]) => h("option", { value }, text)))),
      h("fieldset", {}, h("legend", {}, "What it may do"), ...KEY_SCOPES.map((scope) => h("label", { class: "inline" },
        h("input", { type: "checkbox", name: "scopes", value: scope, checked: !scope.endsWith(":write") || scope === "jobs:write" || scope === "files:write" }), scope)))],
    "Create an API key", async (data) => {
      const scopes = data.getAll("scopes");
      if (!scopes.length) throw new Error("tick at least one thing the key may do");
      const created = await api("POST", "/api/v1/auth/keys", { name: data.get("name"), scopes, expires_in_days: Number(data.get("expires_in_days")) }, { idempotent: true });
      await developers();
      shownOnce("Your key", created.secret);
    }),
    h("h2", {}, "Webhooks"),
    h("p", {}, "Deliveries are signed as Standard Webhooks say (webhook-id, webhook-timestamp, webhook-signature)."),
    h("table", { id: "webhooks" }, ...hooks.items.map((hook) => h("tr", {}, h("td", {}, hook.url), h("td", {}, hook.events.join(" ") || "all events"),
      h("td", {},
        h("button", { class: "secondary", onclick: async () => {
          try { await api("POST", `/api/v1/webhooks/${hook.id}/test`); toast("A test event is on its way."); } catch (error) { toast(failure(error)); }
        } }, "Send a test"), " ",
        h("button", { class: "secondary", onclick: () => deliveries(hook) }, "Delivery log"), " ",
        h("button", { class: "secondary", onclick: async () => { await api("DELETE", `/api/v1/webhooks/${hook.id}`); developers(); } }, "Delete"))))),
    log,
    form([field("URL (https)", "url", "url")], "Add a webhook", async (data) => {
      const created = await api("POST", "/api/v1/webhooks", { url: data.get("url") }, { idempotent: true });
      await developers();
      shownOnce("Signing secret", created.secret);
    }),
    ...transformationSettings(linkKeys.keys, presets.presets));
}

/// Keys that sign links for the web (rotation: make a new key, re-sign, delete the old one) and
/// named presets (`pr:thumb` in a link). docs/api.md, "URL transformations".
function transformationSettings(keys, presets) {
  return [
    h("h2", {}, "Links for the web"),
    h("p", {}, "Links to transformed copies of your files, for your own site, are signed with these keys. Deleting a key stops its links."),
    h("table", { id: "link-keys" }, ...keys.map((key, index) => h("tr", {}, h("td", {}, `key ${key.secret_hint}`),
      h("td", {}, `made ${new Date(key.created_at).toLocaleDateString()}${index === 0 ? " · signs new links" : ""}`),
      h("td", {}, h("button", { class: "secondary", onclick: async () => { await api("DELETE", `/api/v1/transformations/keys/${key.id}`); developers(); } }, "Delete"))))),
    h("button", { class: "secondary", id: "new-link-key", onclick: async () => {
      try {
        const created = await api("POST", "/api/v1/transformations/keys", undefined, { idempotent: true });
        alert(`Your link key (shown once, for signing links in your own code): ${created.secret}`);
        developers();
      } catch (error) { toast(failure(error)); }
    } }, "New link key"),
    h("h3", {}, "Presets"),
    h("table", { id: "link-presets" }, ...presets.map((preset) => h("tr", {}, h("td", {}, h("code", {}, `pr:${preset.name}`)), h("td", {}, h("code", {}, preset.options)),
      h("td", {}, h("button", { class: "secondary", onclick: async () => { await api("DELETE", `/api/v1/transformations/presets/${preset.name}`); developers(); } }, "Delete"))))),
    form([field("Name", "name", "text", { pattern: "[a-z0-9_\\-]{1,40}", required: true }), field("Options", "options", "text", { placeholder: "rs:fill:300:300/q:80/f:auto", required: true })],
      "Save the preset", async (data) => {
        await api("PUT", `/api/v1/transformations/presets/${data.get("name")}`, { options: data.get("options") });
        toast("Preset saved.");
        developers();
      }),
  ];
}

// MARK: admin

async function admin() {
  const [users, jobs, queues, prices, report, audit, catalogue, ai, spend, teams] = await Promise.all([
    api("GET", "/api/v1/admin/users?page_size=50"), api("GET", "/api/v1/admin/jobs?page_size=50"), api("GET", "/api/v1/admin/queues"),
    api("GET", "/api/v1/admin/billing/prices"), api("GET", "/api/v1/admin/billing/report"), api("GET", "/api/v1/admin/audit?page_size=20"),
    api("GET", "/api/v1/admin/billing/catalogue"), api("GET", "/api/v1/admin/ai"), api("GET", "/api/v1/admin/ai/spend?days=30"),
    api("GET", "/api/v1/admin/teams?page_size=50"),
  ]);
  const priceInputs = prices.prices.map((price) => h("label", {}, price.operation,
    h("input", { type: "number", min: 0, value: price.credits, "data-operation": price.operation, id: `price-${price.operation}` })));
  const savePrices = h("button", { id: "save-prices", onclick: async () => {
    const changed = prices.prices.map((price) => ({ ...price, credits: Number(document.getElementById(`price-${price.operation}`).value) }));
    try {
      const saved = await api("PUT", "/api/v1/admin/billing/prices", { prices: changed, fast_lane_percent: prices.fast_lane_percent }, { idempotent: true });
      toast(`Price list version ${saved.version} saved.`);
    } catch (error) { toast(failure(error)); }
  } }, "Save prices");
  show("Admin",
    h("h2", {}, "Queues"), h("table", {}, ...queues.items.map((lane) => h("tr", {}, h("td", {}, lane.lane), h("td", {}, `${lane.queued} queued`),
      h("td", {}, `${lane.running} running`), h("td", {}, `oldest ${Math.round(lane.oldest_wait_seconds)} s`)))),
    h("h2", {}, "Prices"), h("div", { class: "grid" }, ...priceInputs), savePrices,
    h("h2", {}, `Sales catalogue (version ${catalogue.version})`), catalogueEditor(catalogue),
    h("h2", {}, "AI providers, models, presets and spend limits"), ...aiEditor(ai, await operations()),
    h("h2", {}, "Reports"), reportsPanel(report, spend),
    h("h2", {}, "Jobs"), h("table", {}, ...jobs.items.map((job) => h("tr", {}, h("td", {}, job.owner_id), h("td", {}, job.tool), h("td", {}, job.status),
      h("td", {}, ["failed", "canceled", "expired"].includes(job.status) ? h("button", { class: "secondary", onclick: async () => {
        await api("POST", `/api/v1/admin/jobs/${job.id}/retry`); admin();
      } }, "Retry") : null)))),
    h("h2", {}, "Users"), ...usersPanel(users),
    h("h2", {}, "Teams"), ...adminTeamsPanel(teams),
    h("h2", {}, "Audit log"), h("table", {}, ...audit.items.map((entry) => h("tr", {}, h("td", {}, entry.action),
      h("td", {}, new Date(entry.at).toLocaleString())))));
}

// Users as admins look after them: search by email or name, disable or enable (sessions end),
// make admin or user, grant credits (promotional or a refund, once per click), purge files (the
// repair of a failed account deletion, after a confirmation). Each action redraws the row.
/// Every team with its owner and size, searchable by name or owner (the newest 50 at a time).
function adminTeamsPanel(initial) {
  const table = h("table", { id: "admin-teams" });
  const render = (items) => table.replaceChildren(
    h("tr", {}, h("th", {}, "Team"), h("th", {}, "Owner"), h("th", {}, "Members"), h("th", {}, "Created")),
    ...items.map((team) => h("tr", { "data-team": team.id }, h("td", {}, team.name), h("td", {}, team.owner_email),
      h("td", {}, new Intl.NumberFormat().format(team.member_count)), h("td", {}, new Date(team.created_at).toLocaleDateString()))));
  render(initial.items);
  const search = form([field("Team name or owner's email", "q", "search", { required: false, id: "team-search" })], "Search teams", async (data) => {
    render((await api("GET", `/api/v1/admin/teams?page_size=50&q=${encodeURIComponent(data.get("q") || "")}`)).items);
  });
  return [search, table];
}

function usersPanel(initial) {
  const table = h("table", { id: "admin-users" });
  const act = async (what, call) => {
    try { await call(); toast(what); } catch (error) { toast(failure(error)); }
  };
  const patch = (user, change, what) => act(what, async () => {
    const updated = await api("PATCH", `/api/v1/admin/users/${user.id}`, change, { idempotent: true });
    row.get(user.id).replaceWith(userRow(updated));
  });
  const row = new Map();
  function userRow(user) {
    const grant = h("form", { class: "inline", onsubmit: async (event) => {
      event.preventDefault();
      const data = new FormData(event.target);
      await act(`${data.get("amount")} credits granted to ${user.email}.`, () => api("POST", "/api/v1/admin/billing/grants",
        { account_id: user.id, amount: Number(data.get("amount")), source: data.get("source") }, { idempotent: true }));
    } },
      h("label", {}, "Credits", h("input", { name: "amount", type: "number", min: 1, required: true, value: 10, class: "narrow" })),
      h("label", {}, "as", h("select", { name: "source" }, h("option", { value: "promotional" }, "promotional"), h("option", { value: "refund" }, "refund"))),
      h("button", { type: "submit", class: "secondary" }, "Grant"));
    const element = h("tr", { "data-user": user.email },
      h("td", {}, user.email), h("td", {}, user.role), h("td", {}, user.disabled ? "disabled" : "active"),
      h("td", {},
        h("button", { class: "secondary", onclick: () => patch(user, { disabled: !user.disabled }, `${user.email} ${user.disabled ? "enabled" : "disabled"}.`) },
          user.disabled ? "Enable" : "Disable"),
        h("button", { class: "secondary", onclick: () => patch(user, { role: user.role === "admin" ? "user" : "admin" }, `${user.email} is now ${user.role === "admin" ? "a user" : "an admin"}.`) },
          user.role === "admin" ? "Make user" : "Make admin"),
        h("button", { class: "secondary danger", onclick: () => {
          if (!confirm(`Delete every file of ${user.email}? This cannot be undone.`)) return;
          act(`${user.email}'s files purged.`, () => api("DELETE", `/api/v1/admin/users/${user.id}/files`));
        } }, "Purge files")),
      h("td", {}, grant));
    row.set(user.id, element);
    return element;
  }
  const render = (items) => table.replaceChildren(...items.map(userRow));
  render(initial.items);
  const search = form([field("Email or name", "q", "search", { required: false, id: "user-search" })], "Search users", async (data) => {
    const page = await api("GET", `/api/v1/admin/users?page_size=50&q=${encodeURIComponent(data.get("q") || "")}`);
    render(page.items);
  });
  return [search, table];
}

// The AI catalogue as admins run it: providers (credentials shown by their last four characters
// only), models with their prices and costs, style presets, and the daily spend limits per provider and
// per tier with today's spend. Each form replaces the entry it names (PUT); the next quote uses it.
function aiEditor(ai, operations) {
  const micros = (value) => `$${(value / 1e6).toFixed(2)}`;
  const put = (path, body, what) => async () => {
    await api("PUT", `/api/v1/admin/ai/${path}`, body);
    toast(`${what} saved.`);
    admin();
  };
  const remove = (path) => h("button", { class: "secondary", onclick: async () => {
    try { await api("DELETE", `/api/v1/admin/ai/${path}`); admin(); } catch (error) { toast(failure(error)); }
  } }, "Remove");
  const select = (name, options) => h("label", {}, name.replace(/_/g, " "), h("select", { name }, ...options.map((option) => h("option", { value: option }, option))));
  const optional = (label, name, type = "text", attributes = {}) => field(label, name, type, { required: false, ...attributes });
  // An id of the AI catalogue: lowercase letters, digits, "_" and "-" ("-" escaped for Chrome's v-flag patterns).
  const idPattern = "[a-z0-9][a-z0-9_\\-]{0,39}";
  const aiOperations = operations.filter((operation) => operation.needs_provider).map((operation) => operation.name);
  const providerForm = form([
    field("Id", "id", "text", { pattern: idPattern }),
    select("kind", ["together", "stability", "comfyui", "runpod", "replicate", "openai"]),
    field("Base URL", "base_url", "url"), optional("Credential (kept sealed; empty keeps the stored one)", "credential", "password"),
    optional("Daily spend limit (micro-dollars, 0: none)", "daily_spend_limit_micros", "number", { min: 0 }),
  ], "Save provider", async (data) => {
    const body = { kind: data.get("kind"), base_url: data.get("base_url"), daily_spend_limit_micros: Number(data.get("daily_spend_limit_micros") || 0) };
    if (data.get("credential")) body.credential = data.get("credential");
    await put(`providers/${data.get("id")}`, body, "Provider")();
  });
  const modelForm = form([
    field("Id", "id", "text", { pattern: idPattern }), select("operation", aiOperations),
    select("provider_id", ai.providers.map((provider) => provider.id)),
    field("The provider's model, version, endpoint, path or workflow", "reference"), field("Label", "label"),
    optional("Price in credits (0: the operation's)", "price_credits", "number", { min: 0 }),
    optional("Cost per run (micro-dollars)", "unit_cost_micros", "number", { min: 0 }),
    h("label", {}, h("input", { type: "checkbox", name: "is_default" }), " the operation's default"),
  ], "Save model", async (data) => {
    await put(`models/${data.get("id")}`, {
      operation: data.get("operation"), provider_id: data.get("provider_id"), reference: data.get("reference"), label: data.get("label"),
      price_credits: Number(data.get("price_credits") || 0), unit_cost_micros: Number(data.get("unit_cost_micros") || 0),
      is_default: data.get("is_default") === "on",
    }, "Model")();
  });
  const presetForm = form([
    field("Id", "id", "text", { pattern: idPattern }), field("Label", "label"),
    field("Template ({prompt} is the user's words)", "template", "text", { value: "{prompt}, " }),
    optional("Negative prompt", "negative_prompt"), optional("Preview (one of your file ids)", "preview_file_id"),
  ], "Save preset", async (data) => {
    const body = { label: data.get("label"), template: data.get("template"), negative_prompt: data.get("negative_prompt") || "" };
    if (data.get("preview_file_id")) body.preview_file_id = data.get("preview_file_id");
    await put(`presets/${data.get("id")}`, body, "Preset")();
  });
  const tierForm = form([
    field("Tier id", "id", "text", { pattern: idPattern, value: "free" }),
    field("Daily limit (micro-dollars)", "daily_limit_micros", "number", { min: 1 }),
  ], "Save tier limit", async (data) => {
    await put(`tier-limits/${data.get("id")}`, { daily_limit_micros: Number(data.get("daily_limit_micros")) }, "Tier limit")();
  });
  [providerForm.id, modelForm.id, presetForm.id, tierForm.id] = ["ai-provider-form", "ai-model-form", "ai-preset-form", "ai-tier-form"];
  return [
    h("table", { id: "ai-providers" }, h("tr", {}, h("th", {}, "Provider"), h("th", {}, "Kind"), h("th", {}, "Base URL"), h("th", {}, "Credential"),
      h("th", {}, "Spent today / limit"), h("th", {}, "")),
      ...ai.providers.map((provider) => h("tr", {}, h("td", {}, provider.id), h("td", {}, provider.kind), h("td", {}, provider.base_url),
        h("td", {}, provider.credential_hint || "—"),
        h("td", {}, `${micros(provider.spent_today_micros || 0)} / ${provider.daily_spend_limit_micros ? micros(provider.daily_spend_limit_micros) : "none"}`),
        h("td", {}, provider.from_configuration ? "(configuration)" : remove(`providers/${provider.id}`))))),
    h("details", {}, h("summary", {}, "Add or replace a provider"), providerForm),
    h("table", { id: "ai-models" }, h("tr", {}, h("th", {}, "Model"), h("th", {}, "Operation"), h("th", {}, "Provider"), h("th", {}, "Price"),
      h("th", {}, "Cost per run"), h("th", {}, "")),
      ...ai.models.map((model) => h("tr", {}, h("td", {}, model.label, model.is_default ? " (default)" : ""), h("td", {}, model.operation),
        h("td", {}, model.provider_id), h("td", {}, model.price_credits ? `${model.price_credits} credits` : "the operation's"),
        h("td", {}, micros(model.unit_cost_micros || 0)), h("td", {}, model.from_configuration ? "(configuration)" : remove(`models/${model.id}`))))),
    h("details", {}, h("summary", {}, "Add or replace a model"), modelForm),
    h("table", { id: "ai-presets" }, ...ai.presets.map((preset) => h("tr", {}, h("td", {}, preset.label), h("td", {}, preset.template),
      h("td", {}, remove(`presets/${preset.id}`))))),
    h("details", {}, h("summary", {}, "Add or replace a style preset"), presetForm),
    h("table", { id: "ai-tier-limits" }, ...(ai.tier_limits || []).map((limit) => h("tr", {}, h("td", {}, limit.tier_id),
      h("td", {}, `${micros(limit.spent_today_micros || 0)} of ${micros(limit.daily_limit_micros)} today`), h("td", {}, remove(`tier-limits/${limit.tier_id}`))))),
    h("details", {}, h("summary", {}, "Set a tier's daily AI spend limit"), tierForm),
  ];
}

// The catalogue as the admin edits it: the base price, packs and the tiers on sale, with every item's
// price per credit beside the base price; Billing refuses a version that breaks the price rule.
function catalogueEditor(catalogue) {
  // Each cell's input is named for a screen reader by its row and column ("Starter: price in cents").
  const number = (id, value, label) => h("input", { type: "number", min: 0, value, id, class: "narrow", "aria-label": label });
  const read = (id) => Number(document.getElementById(id).value);
  const perCredit = (price) => `$${(price.micros_per_credit / 1e6).toFixed(4)}`;
  const table = h("table", { id: "catalogue-prices" },
    h("tr", {}, h("th", {}, "Item"), h("th", {}, "Price"), h("th", {}, "Credits"), h("th", {}, "Per credit"), h("th", {}, "Below base")),
    ...catalogue.prices.map((price) => h("tr", {}, h("td", {}, price.item), h("td", {}, dollars(price.cents)), h("td", {}, price.credits),
      h("td", {}, perCredit(price)), h("td", {}, `${(price.discount_basis_points / 100).toFixed(2)} %`))));
  const onSale = catalogue.tiers.filter((tier) => tier.for_sale);
  const save = h("button", { id: "save-catalogue", onclick: async () => {
    const body = {
      credit_price_cents: read("catalogue-base"),
      packs: catalogue.packs.map((pack) => ({ ...pack, price_cents: read(`pack-${pack.id}-price`), credits: read(`pack-${pack.id}-credits`) })),
      tiers: onSale.map((tier) => ({ ...tier, price_cents: read(`tier-${tier.id}-month`), annual_price_cents: read(`tier-${tier.id}-year`),
        monthly_credits: read(`tier-${tier.id}-credits`) })),
    };
    try {
      const saved = await api("PUT", "/api/v1/admin/billing/catalogue", body, { idempotent: true });
      toast(`Catalogue version ${saved.version} saved.`); admin();
    } catch (error) { toast(failure(error)); }
  } }, "Save catalogue");
  return h("div", {},
    h("label", {}, "Base price of a credit (cents, custom amounts)", number("catalogue-base", catalogue.credit_price_cents, "Base price of a credit in cents")),
    h("table", {}, h("tr", {}, h("th", {}, "Pack"), h("th", {}, "Price (cents)"), h("th", {}, "Credits")),
      ...catalogue.packs.map((pack) => h("tr", {}, h("td", {}, pack.name), h("td", {}, number(`pack-${pack.id}-price`, pack.price_cents, `${pack.name}: price in cents`)),
        h("td", {}, number(`pack-${pack.id}-credits`, pack.credits, `${pack.name}: credits`))))),
    h("table", {}, h("tr", {}, h("th", {}, "Tier"), h("th", {}, "Month (cents)"), h("th", {}, "Year (cents)"), h("th", {}, "Credits a month")),
      ...onSale.map((tier) => h("tr", {}, h("td", {}, tier.name), h("td", {}, number(`tier-${tier.id}-month`, tier.price_cents, `${tier.name}: monthly price in cents`)),
        h("td", {}, number(`tier-${tier.id}-year`, tier.annual_price_cents, `${tier.name}: yearly price in cents`)), h("td", {}, number(`tier-${tier.id}-credits`, tier.monthly_credits, `${tier.name}: credits a month`))))),
    save, h("h3", {}, "Price per credit"), table);
}

// MARK: routing

/// The public front page: what ImageSwiss does (the tools, from the operation catalogue), what it
/// costs (packs and tiers from the catalogue on sale), and the way in. Signed-in visitors go to work.
async function landing() {
  if (session.signedIn) { location.hash = "#/upload"; return; }
  const [operations, catalogue] = await Promise.all([
    api("GET", "/api/v1/operations").catch(() => ({ items: [] })), api("GET", "/api/v1/billing/catalogue").catch(() => null)]);
  const byCategory = new Map();
  for (const operation of (operations.items || []).filter((item) => item.category !== "internal")) {
    if (!byCategory.has(operation.category)) byCategory.set(operation.category, []);
    byCategory.get(operation.category).push(operation);
  }
  const categories = { edit: "Edit", format: "Formats", look: "Looks", ai: "AI", restore: "Restore", analyse: "Analyse" };
  show("Photos, fixed and made — in batches",
    h("p", { class: "lead" }, "Upload photos, tick what should happen — resize, convert, compress, restore, colourise, read text, remove the background — see the exact cost, and download the results one by one, as a zip, or as links for your own site. Or describe a picture and have it made."),
    h("p", { class: "actions" }, h("a", { class: "button", href: "#/signup", id: "landing-signup" }, "Start free"), " ",
      h("a", { class: "button secondary", href: "#/signin" }, "Sign in")),
    h("h2", {}, "Tools"),
    h("div", { class: "grid", id: "landing-tools" }, ...[...byCategory].map(([category, items]) => h("div", { class: "card" },
      h("h3", {}, categories[category] || category),
      h("ul", {}, ...items.map((operation) => h("li", {}, h("strong", {}, operation.label), ` — ${operation.summary}`,
        operation.available === false ? h("span", { class: "muted" }, " (not offered here yet)") : null)))))),
    catalogue ? h("h2", {}, "Pricing") : null,
    catalogue ? h("p", {}, `Pay per picture in credits; a credit costs ${dollars(catalogue.credit_price_cents)} at the base price, less in larger packs.`) : null,
    catalogue ? h("div", { class: "grid", id: "landing-packs" }, ...catalogue.packs.map((pack) => h("div", { class: "card" },
      h("h3", {}, pack.name), h("p", {}, `${pack.credits} credits for ${dollars(pack.price_cents)}`)))) : null,
    catalogue ? h("div", { class: "grid", id: "landing-tiers" }, ...catalogue.tiers.map((tier) => h("div", { class: "card" },
      h("h3", {}, tier.name),
      h("p", {}, tier.price_cents ? `${dollars(tier.price_cents)} a month` : "Free"),
      h("p", {}, `${tier.monthly_credits} credits a month · results up to ${tier.max_output_pixels}p${tier.priority ? " · priority" : ""}`)))) : null,
    h("h2", {}, "For developers"),
    h("p", {}, "Everything here is an HTTP API with keys, webhooks and signed transformation links. ",
      h("a", { href: "/api/v1/docs" }, "Read the API reference"), "."));
}

const ROUTES = {
  "/": landing,
  "/signup": signUp, "/signin": signIn, "/forgot": forgot, "/verify": verify, "/reset": reset, "/signout": signOut,
  "/upload": uploader, "/gallery": gallery, "/history": history, "/billing": billing, "/account": account, "/admin": admin,
  "/notifications": notifications, "/unsubscribe": unsubscribe, "/developers": developers, "/create": create, "/models": models, "/teams": teams, "/teams/join": joinTeam,
  "/handoff": handoffPage,
};
const PUBLIC = new Set(["/", "/signup", "/signin", "/forgot", "/verify", "/reset", "/unsubscribe", "/handoff"]);

/// The session ended (its refresh token expired or was revoked): the sign-in page says so, and
/// signing in comes back to the page the user was on.
function sessionEnded() {
  const here = location.hash;
  session.clear();
  sessionStorage.setItem("isw_after_signin", here);
  sessionStorage.setItem("isw_session_ended", "1");
  location.hash = "#/signin";
}

async function route() {
  const path = (location.hash.slice(1) || "/").split("?")[0];
  const signedIn = session.signedIn;
  // A cookie session (Google or GitHub sign-in) learns who it is once, for the navigation.
  if (signedIn && !session.account) {
    try { session.remember(await api("GET", "/api/v1/me")); } catch { /* the page's own call reports it */ }
  }
  if (!signedIn && !PUBLIC.has(path)) {
    if (path === "/teams/join") sessionStorage.setItem("isw_after_signin", location.hash);
    location.hash = "#/signin";
    return;
  }
  renderNav(path);
  refreshBalance();
  if (signedIn) refreshUnread();
  try {
    if (path.startsWith("/batch/")) await batchView(path.slice(7));
    else if (path.startsWith("/teams/") && path !== "/teams/join") await teamView(path.slice(7));
    else await (ROUTES[path] || uploader)();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) { sessionEnded(); return; }
    show("Something went wrong", h("p", { class: "error" }, failure(error)));
  }
}

// MARK: installing and the network

// The service worker (sw.js) keeps the shell and answers with offline.html when a page is opened
// without a network; browsers that offer installation get an "Install app" button.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js").catch((error) => console.warn("no service worker:", error));
}
let installPrompt = null;
const installButton = document.getElementById("install");
window.addEventListener("beforeinstallprompt", (event) => {
  event.preventDefault();
  installPrompt = event;
  installButton.hidden = false;
});
installButton.addEventListener("click", async () => {
  installButton.hidden = true;
  if (installPrompt) { installPrompt.prompt(); installPrompt = null; }
});
window.addEventListener("offline", () => toast("You are offline. Photos you pick wait until the network returns."));
window.addEventListener("online", () => toast("Back online."));

// "Menu" unfolds the navigation on narrow screens (CSS hides it there); choosing a page folds it.
const menu = document.getElementById("menu");
menu.addEventListener("click", () => {
  const open = document.querySelector("header").classList.toggle("open");
  menu.setAttribute("aria-expanded", String(open));
});
window.addEventListener("hashchange", () => {
  document.querySelector("header").classList.remove("open");
  menu.setAttribute("aria-expanded", "false");
});

window.addEventListener("hashchange", route);
route();
