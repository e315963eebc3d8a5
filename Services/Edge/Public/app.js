// ImageSwiss web app: plain modules, no build step. Each view is a function of the route; views
// fetch through api.js and render with `h`.
import { api, ApiError, session, uploadFile, objectURL, events } from "/api.js";
import { h, toast, failure, show, favouriteButton, credits, saveAs, dollars, themeChoice, word } from "/ui.js";
import { gallery } from "/gallery.js";
import { phoneHandoff, handoffPage } from "/handoff.js";
import { duplicateGroups, duplicatesView } from "/duplicates.js";
import { dailyChart, barRows } from "/charts.js";
import { reportsPanel } from "/reports.js";
import { t, LANGUAGES, language, setLanguage, dateTime, date as day, number as formatNumber, money, percent } from "/i18n.js";

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
    ? [["#/upload", t("Upload")], ["#/create", t("Create")], ["#/models", t("My models")], ["#/gallery", t("Results")], ["#/history", t("History")], ["#/billing", t("Credits")], ["#/teams", t("Teams")], ["#/notifications", t("Notifications")],
      ["#/developers", t("Developers")], ["#/account", t("Account")]]
      .concat(account.role === "admin" ? [["#/admin", t("Admin")]] : []).concat([["#/signout", t("Sign out")]])
    : [["#/signin", t("Sign in")], ["#/signup", t("Sign up")]];
  document.getElementById("nav").replaceChildren(...links.map(([href, text]) =>
    h("a", { href, id: `nav-${href.slice(2)}`, "aria-current": route === href.slice(1) ? "page" : null }, text)));
}

/// The unread count beside "Notifications" in the navigation.
async function refreshUnread() {
  const link = document.getElementById("nav-notifications");
  if (!link) return;
  try {
    const page = await api("GET", "/api/v1/notifications?unread=true&page_size=1");
    link.textContent = page.unread_count ? t("Notifications ({count})", { count: page.unread_count }) : t("Notifications");
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
      href: `/api/v1/auth/oauth/${encodeURIComponent(provider)}/start` }, t("Continue with {provider}", { provider: PROVIDER_NAMES[provider] || provider }))));
  }, () => box.replaceChildren());
  return box;
}

function signUp() {
  show(t("Create your account"), oauthButtons(), form([
    field(t("Email"), "email", "email", { autocomplete: "email" }),
    field(t("Password (at least 10 characters)"), "password", "password", { autocomplete: "new-password", minlength: 10 }),
  ], t("Sign up"), async (data) => {
    await api("POST", "/api/v1/auth/register", { email: data.get("email"), password: data.get("password") });
    await signInWith(data.get("email"), data.get("password"));
    toast(t("Welcome! We sent you a link to verify your email."));
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
  show(t("Sign in"),
    failed ? h("p", { class: "error", role: "alert", id: "oauth-error" },
      OAUTH_ERRORS[failed] || "The sign-in with Google or GitHub did not complete. Start again.") : null,
    ended ? h("p", { class: "banner", role: "status", id: "session-ended" }, t("Your session has ended. Sign in again to go on where you were.")) : null,
    oauthButtons(),
    form([field(t("Email"), "email", "email", { autocomplete: "email" }), field(t("Password"), "password", "password", { autocomplete: "current-password" })],
      "Sign in", (data) => signInWith(data.get("email"), data.get("password"))),
    h("p", {}, h("a", { href: "#/forgot" }, t("Forgot your password?")), " · ", h("a", { href: "#/verify" }, t("Verify your email"))));
}

function forgot() {
  show(t("Reset your password"),
    form([field(t("Email"), "email", "email")], t("Send a reset link"), async (data) => {
      await api("POST", "/api/v1/auth/password/forgot", { email: data.get("email") });
      toast(t("If that address has an account, a link is on its way."));
    }),
    h("h2", {}, t("Have a reset token?")),
    form([field(t("Token"), "token"), field(t("New password"), "password", "password", { minlength: 10 })], t("Set the password"), async (data) => {
      await api("POST", "/api/v1/auth/password/reset", { token: data.get("token"), new_password: data.get("password") });
      toast(t("Password changed. Sign in with it."));
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
  show(t("Verify your email"), outcome, form([field(t("Token from the email"), "token", "text", { value: token })], t("Verify"), async (data) => {
    await api("POST", "/api/v1/auth/verify-email", { token: data.get("token") });
    outcome.textContent = t("Email verified.");
    outcome.dataset.verified = "true";
  }));
  if (!token) return;
  try {
    await api("POST", "/api/v1/auth/verify-email", { token });
    outcome.textContent = t("Email verified.");
    outcome.dataset.verified = "true";
    window.history.replaceState(null, "", "#/verify");
  } catch (error) {
    outcome.textContent = t("{reason} — the link may have been used or expired; ask for a new one from your account.", { reason: failure(error) });
    outcome.className = "error";
  }
}

/// The reset mail's link: choose the new password; the token comes from the link.
function reset() {
  const token = linkToken();
  if (!token) { location.hash = "#/forgot"; return; }
  show(t("Choose a new password"),
    form([field(t("New password"), "password", "password", { minlength: 10, autocomplete: "new-password" })], t("Set the password"), async (data) => {
      await api("POST", "/api/v1/auth/password/reset", { token, new_password: data.get("password") });
      toast(t("Password changed. Sign in with it."));
      location.hash = "#/signin";
    }));
}

// MARK: notifications

const NOTIFICATION_KINDS = {
  batch_completed: t("A batch has finished"),
  job_failed: t("A single job failed"),
  credits_low: t("Credits are running low"),
  payment_failed: t("A subscription payment failed"),
  receipt: t("A receipt for a payment (with its invoice)"),
  subscription_ending: t("My subscription is about to end"),
  model_trained: t("A personal model finished training"),
  spend_limit_reached: t("An AI spend limit held jobs back (administrators)"),
};

async function notifications() {
  const [page, preferences, creditsLow] = await Promise.all([api("GET", "/api/v1/notifications?page_size=50"),
    api("GET", "/api/v1/notifications/preferences"), api("GET", "/api/v1/notifications/credits-low")]);
  const markAll = h("button", { id: "mark-all-read", class: "secondary", disabled: !page.unread_count, onclick: async () => {
    await api("POST", "/api/v1/notifications/read", { all: true });
    notifications();
  } }, t("Mark all as read"));
  const list = page.items.length
    ? h("ul", { class: "notifications", id: "notification-list" }, ...page.items.map((item) => h("li", { class: item.read ? "read" : "unread", "data-kind": item.kind },
      h("strong", {}, item.title), " ", h("time", { datetime: item.created_at }, dateTime(item.created_at)),
      h("p", {}, item.body), item.link ? h("a", { href: item.link, onclick: () => api("POST", "/api/v1/notifications/read", { ids: [item.id] }) }, t("Open")) : null)))
    : h("p", {}, t("Nothing yet: you will be told here when a batch finishes or your credits run low."));
  const choices = preferences.preferences.map((preference) => h("label", { class: "inline" },
    h("input", { type: "checkbox", name: preference.kind, checked: preference.mail }), ` ${NOTIFICATION_KINDS[preference.kind] || preference.kind}`));
  show(t("Notifications"), h("p", {}, t("{count} unread", { count: page.unread_count }), " ", markAll), list,
    h("h2", {}, t("Mail me when…")),
    form(choices, "Save mail choices", async (data) => {
      await api("PUT", "/api/v1/notifications/preferences",
        { preferences: preferences.preferences.map((preference) => ({ kind: preference.kind, mail: data.get(preference.kind) === "on" })) });
      toast(t("Mail choices saved. Notifications stay here either way."));
    }),
    h("h2", {}, t("Low credits")),
    form([field(t("Warn me when my credits fall below"), "threshold", "number", { min: 0, max: 1000000, value: creditsLow.threshold, id: "credits-low-threshold" })],
      "Save the threshold", async (data) => {
        const saved = await api("PUT", "/api/v1/notifications/credits-low", { threshold: Number(data.get("threshold")) });
        toast(t("You will be warned below {count} credits.", { count: saved.threshold }));
      }));
  refreshUnread();
}

/// A mail's "unsubscribe" link: the token alone says which mail stops, so no sign-in is needed.
async function unsubscribe() {
  const token = linkToken();
  const outcome = h("p", { id: "unsubscribe-outcome", role: "status" });
  show(t("Unsubscribe"), outcome);
  if (!token) { outcome.textContent = t("This page needs the link from a mail."); return; }
  try {
    const answer = await api("POST", "/api/v1/notifications/unsubscribe", { token });
    outcome.textContent = t("You will get no more mail about this: {kind}. You can change it back under Notifications.",
      { kind: (NOTIFICATION_KINDS[answer.kind] || answer.kind).toLowerCase() });
    outcome.dataset.kind = answer.kind;
    window.history.replaceState(null, "", "#/unsubscribe");
  } catch (error) {
    outcome.textContent = t("{reason} — the link may be incomplete; change your choices under Notifications.", { reason: failure(error) });
    outcome.className = "error";
  }
}

async function signOut() {
  try {
    if (session.refresh) await api("POST", "/api/v1/auth/signout", { refresh_token: session.refresh });
    else if (session.csrf) await api("POST", "/api/v1/auth/signout");  // the cookie session: the edge clears it
  } catch { /* signed out anyway */ }
  sessionStorage.clear();  // everything this tab kept, a phone hand-off's key included
  location.hash = "#/signin";
}

// MARK: the uploader

/// The checklist: operation → parameters the user may set (name, label, default, type/options).
// The checklist comes from the operation catalogue (GET /api/v1/operations): every operation, its
// parameters with their types, ranges and defaults, and whether it can run here now.
// The catalogue's words come from the server in English and are shown through t() like the page's own.
const CATEGORIES = { edit: t("Size and shape"), format: t("Format"), look: t("Look"), restore: t("Restore"), ai: t("AI"), analyse: t("Analyse") };
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
    input = h("select", { id, onchange }, ...(parameter.required ? [] : [h("option", { value: "" }, t("default"))]),
      ...choices.map(([value, text]) => h("option", { value }, text)));
  } else if (parameter.type === "choice") {
    const blank = initial === undefined ? [h("option", { value: "" }, "—")] : [];
    input = h("select", { id, onchange }, ...blank, ...parameter.options.map((option) => h("option", { value: option, selected: option === initial }, t(option))));
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
  const unit = parameter.unit ? ` (${t(parameter.unit)})` : "";
  return h("label", { for: id, title: parameter.summary && t(parameter.summary) }, `${t(parameter.name.replaceAll("_", " "))}${unit}`, input);
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
    : h("span", { class: "muted" }, operation.unavailable_reason === "provider_not_configured" ? t("not available here: no AI provider is configured for it") : t("not available here"));
  return h("div", { class: "check", "data-operation": operation.name },
    h("label", { for: box.id, title: t(operation.summary) }, box, t(operation.label)), why,
    h("div", { class: "params" }, ...shown, more.length ? h("details", {}, h("summary", {}, t("More options")), ...more) : null));
}

// The four corners of a photographed print, placed on the picture by dragging (mouse or touch) or
// with the arrow keys; they fill the perspective step's fractions, which stay editable as numbers.
const CORNERS = ["top_left", "top_right", "bottom_right", "bottom_left"];
const CORNER_NAMES = { top_left: t("top left"), top_right: t("top right"), bottom_right: t("bottom right"), bottom_left: t("bottom left") };

function cornerEditor(check, onchange) {
  const input = (corner, axis) => check.querySelector(`[data-param="${corner}_${axis}"]`);
  const clamp = (value) => Math.min(1, Math.max(0, value));
  const read = (corner, axis) => clamp(Number(input(corner, axis).value) || 0);
  const picture = h("img", { alt: t("The photo whose print to straighten"), class: "corner-photo" });
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
      "aria-label": t("{corner} corner: drag it, or move it with the arrow keys", { corner: CORNER_NAMES[corner] }) });
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
    h("p", { class: "muted" }, t("Drag the four handles onto the corners of the print; the rest is cut away and the print flattened.")), frame);
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
        if (!answer.found) { hint.textContent = t("No print stood out from the background: place the corners yourself."); return; }
        for (const corner of CORNERS) place(corner, answer.parameters[`${corner}_x`], answer.parameters[`${corner}_y`]);
        hint.textContent = t("The corners were found for you: move any that are off.");
        onchange();
      } catch { hint.textContent = ""; }
    },
  };
}

async function uploader() {
  const uploaded = [];
  const list = h("ul", { class: "stack", "aria-label": t("Files") });
  const picker = h("input", { type: "file", id: "files", multiple: true, accept: "image/*", capture: "environment" });
  const drop = h("div", { class: "drop" }, h("label", { for: "files" }, t("Drop photos here or pick them (camera on phones)")), picker);
  const cost = h("p", { class: "cost", id: "cost", "aria-live": "polite" }, t("Upload photos and tick what to do."));
  const submit = h("button", { id: "submit", disabled: true }, t("Submit"));
  const lane = h("select", { name: "lane", id: "lane" }, h("option", { value: "batch" }, t("Batch (cheaper)")), h("option", { value: "fast" }, t("Fast lane (priority)")));
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
    if (!ids.length || !chosen.length) { cost.textContent = t("Upload photos and tick what to do."); return; }
    const mine = ++quoting;
    try {
      const answer = await api("POST", "/api/v1/batches/quote", { input_file_ids: ids, steps: chosen, lane: lane.value, team_id: payer.teamID() });
      if (mine !== quoting) return;
      cost.textContent = t(answer.job_count === 1 ? "Cost: {total} credits for {count} image · you have {available}" : "Cost: {total} credits for {count} images · you have {available}",
        { total: answer.total_credits, count: answer.job_count, available: answer.available_credits });
      cost.dataset.credits = answer.total_credits;
      submit.disabled = !answer.sufficient;
      if (!answer.sufficient) cost.append(h("span", { class: "error" }, t(" — not enough credits. "), h("a", { href: "#/billing" }, t("Buy credits"))));
    } catch (error) {
      if (mine === quoting) cost.textContent = failure(error);
    }
  }
  lane.addEventListener("change", quote);

  // This computer's uploads under way, by name and size: a hand-off's watcher sees every new
  // upload of the account, and one of these must not join the list a second time as the phone's.
  const sending = new Map();
  const mark = (file) => `${file.name}\u0000${file.size}`;
  function sent(file) {
    const left = (sending.get(mark(file)) || 1) - 1;
    if (left) sending.set(mark(file), left); else sending.delete(mark(file));
  }

  // A photo picked while the network is gone waits in the list and goes when it returns (the
  // browser's "online" event); one that fails for another reason says why.
  function send(file, index, bar, state) {
    if (!navigator.onLine) return waitForNetwork(file, index, bar, state);
    state.textContent = t("uploading…");
    state.className = "muted";
    sending.set(mark(file), (sending.get(mark(file)) || 0) + 1);
    uploadFile(file, (fraction) => { bar.value = fraction; }).then((blob) => {
      sent(file);
      uploaded[index] = blob.id;
      if (corners && index === 0) corners.suggest(blob.id);
      bar.value = 1;
      state.textContent = t("uploaded");
      state.className = "ok";
      quote();
    }, (error) => {
      sent(file);
      if (error.status === 0 && !navigator.onLine) return waitForNetwork(file, index, bar, state);
      state.textContent = failure(error);
      state.className = "error";
    });
  }

  function waitForNetwork(file, index, bar, state) {
    bar.value = 0;
    state.textContent = t("offline: waits and uploads when the network returns");
    state.className = "waiting";
    window.addEventListener("online", () => send(file, index, bar, state), { once: true });
  }

  async function add(files) {
    if (corners && files.length && !uploaded.length) corners.show(files[0]);
    for (const file of files) {
      const index = uploaded.length;
      uploaded.push(null);
      const bar = h("progress", { max: 1, value: 0, "aria-label": t("Uploading {name}", { name: file.name }) });
      const state = h("span", { class: "muted" });
      list.append(h("li", {}, file.name, " ", state, bar));
      send(file, index, bar, state);
    }
  }
  // A photo the phone sent through a hand-off: already uploaded, it joins the list as it is.
  function arrived(file) {
    if (uploaded.includes(file.id) || sending.has(mark(file))) return;
    const index = uploaded.length;
    uploaded.push(file.id);
    if (corners && index === 0) { corners.showStored(file.id); corners.suggest(file.id); }
    list.append(h("li", { "data-file": file.id }, file.name, " ", h("span", { class: "ok" }, t("from your phone"))));
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
  show(t("Upload and process"), drop, phoneHandoff(arrived), list, h("h2", {}, t("What should we do?")), ...groups,
    h("label", {}, t("Lane"), lane), payer.element, cost, submit);
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
    show(t("Create from words"), h("p", { class: "muted" }, t("Generation is not available here: no AI provider is configured for it.")));
    return;
  }
  const cost = h("p", { class: "cost", id: "create-cost", "aria-live": "polite" }, t("Describe the picture."));
  const payer = await payerPicker(() => quote());
  const submit = h("button", { id: "create-submit", disabled: true }, t("Create"));
  const whose = h("select", { id: "create-subject" }, h("option", { value: "" }, t("Any subject")),
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
    if (!step.parameters.prompt) { cost.textContent = t("Describe the picture."); return; }
    const mine = ++quoting;
    try {
      const answer = await api("POST", "/api/v1/batches/quote", { input_file_ids: [], steps: [step], team_id: payer.teamID() });
      if (mine !== quoting) return;
      cost.textContent = t("Cost: {total} credits · you have {available}", { total: answer.total_credits, available: answer.available_credits });
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
  show(t("Create from words"), personal.length ? h("label", {}, t("Subject"), whose) : null, ...Object.values(forms), preview, payer.element, cost, submit,
    h("p", { class: "muted" }, t("Train a model of your own subject on the "), h("a", { href: "#/models" }, t("My models")), " page."));
  showForm();
}

/// Personal models: train one on 10–30 photos of a person, pet or product; see progress; delete.
async function models() {
  const training = (await operations()).find((operation) => operation.name === "train_model");
  const list = h("div", { id: "models-list" });
  async function refresh() {
    const page = await api("GET", "/api/v1/models");
    list.replaceChildren(page.items.length
      ? h("table", {}, h("tr", {}, h("th", {}, t("Name")), h("th", {}, t("Trigger word")), h("th", {}, t("Status")), h("th", {}, "")),
        ...page.items.map((model) => h("tr", { "data-model": model.id },
          h("td", {}, model.name), h("td", {}, model.trigger_word),
          h("td", {}, model.status === "training" ? t("training {progress}%", { progress: model.progress }) : word(model.status), model.error ? h("span", { class: "error" }, ` ${model.error}`) : null),
          h("td", {}, h("button", { class: "secondary", onclick: async () => {
            if (!confirm(t("Delete {name} and its photos?", { name: model.name }))) return;
            try { await api("DELETE", `/api/v1/models/${model.id}`); refresh(); } catch (error) { toast(failure(error)); }
          } }, t("Delete"))))))
      : h("p", { class: "muted" }, t("No models yet.")));
    if (page.items.some((model) => model.status === "training")) setTimeout(() => { if (location.hash === "#/models") refresh(); }, 3000);
  }
  const state = h("p", { id: "train-state", "aria-live": "polite" });
  const picker = h("input", { type: "file", id: "training-photos", multiple: true, accept: "image/jpeg,image/png,image/webp" });
  const start = form([
    field(t("Name"), "name", "text", { required: true, maxlength: 60 }),
    field(t("Trigger word"), "trigger_word", "text", { required: false, pattern: "[A-Za-z0-9]{2,40}", placeholder: "ohwx" }),
    h("label", { for: "training-photos" }, t("10 to 30 photos of the subject"), picker),
  ], t("Train"), async (values) => {
    const files = [...picker.files];
    const ids = [];
    for (const [index, file] of files.entries()) {
      state.textContent = t("uploading {index} of {count}…", { index: index + 1, count: files.length });
      ids.push((await uploadFile(file, () => {}, "training")).id);
    }
    state.textContent = t("starting the training…");
    const body = { name: values.get("name"), photo_ids: ids };
    if (values.get("trigger_word")) body.trigger_word = values.get("trigger_word");
    await api("POST", "/api/v1/models", body, { idempotent: true });
    state.textContent = t("training: this takes a while; this page follows it.");
    refresh();
  });
  const offer = training?.available ? [h("h2", {}, t("Train a new model")), start, state]
    : [h("p", { class: "muted" }, t("Training is not available here: no trainer is configured."))];
  show(t("My models"), list, ...offer);
  await refresh();
}

// MARK: teams

/// Teams: the caller's teams, a new one, and joining from an invitation link (#/teams/join?token=).
async function teams() {
  const list = (await api("GET", "/api/v1/teams")).items;
  const create = form([field(t("Team name"), "name", "text", { maxlength: 100 })], t("Create team"), async (data) => {
    const team = await api("POST", "/api/v1/teams", { name: data.get("name") }, { idempotent: true });
    location.hash = `#/teams/${team.id}`;
  });
  show(t("Teams"),
    h("p", { class: "muted" }, t("A team shares one balance: members spend it on their own pictures, each within the limit the team sets. Your own credits and files stay yours.")),
    list.length ? h("table", { id: "teams" }, h("tr", {}, h("th", {}, t("Team")), h("th", {}, t("Your role")), h("th", {}, t("Your monthly limit"))),
      ...list.map((team) => h("tr", {}, h("td", {}, h("a", { href: `#/teams/${team.id}` }, team.name)), h("td", {}, team.role),
        h("td", {}, team.monthly_limit ?? "none"))))
      : h("p", { class: "muted" }, t("You are in no team yet.")),
    h("h2", {}, t("New team")), create);
}

async function joinTeam() {
  const token = linkToken();
  try {
    const team = await api("POST", "/api/v1/teams/join", { token });
    toast(t("You joined {team}.", { team: team.name }));
    location.hash = `#/teams/${team.id}`;
  } catch (error) {
    show(t("Join a team"), h("p", { class: "error", role: "alert" }, failure(error)),
      h("p", {}, t("Sign in with the address the invitation was sent to, then open the link again.")));
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
      toast(t("{count} credits added to {team}.", { count: pack.credits, team: team.name }));
      teamView(id);
    } else {
      location.href = checkout.payment_url;
    }
  };
  const limitInput = (member) => {
    const input = h("input", { type: "number", min: 0, value: member.monthly_limit ?? "", placeholder: t("none"), "aria-label": t("Monthly limit of {email}", { email: member.email }), class: "narrow" });
    return h("span", {}, input, h("button", { class: "secondary", onclick: async () => {
      try {
        await api("PATCH", `/api/v1/teams/${id}/members/${member.account_id}`, { monthly_limit: input.value === "" ? null : Number(input.value) });
        toast(t("Limit saved.")); teamView(id);
      } catch (error) { toast(failure(error)); }
    } }, t("Save")));
  };
  const memberRow = (member) => h("tr", { "data-member": member.account_id },
    h("td", {}, member.display_name || member.email, member.account_id === me ? " (you)" : ""), h("td", {}, member.role),
    h("td", {}, member.spent_this_month ?? "—"),
    h("td", {}, manages && member.role !== "owner" && (team.role === "owner" || member.role === "member") ? limitInput(member) : (member.monthly_limit ?? t("none"))),
    h("td", {}, manages && member.account_id !== me && (member.role === "member" || (team.role === "owner" && member.role === "admin"))
      ? h("button", { class: "secondary", onclick: async () => {
        if (!confirm(t("Remove {email} from {team}?", { email: member.email, team: team.name }))) return;
        try { await api("DELETE", `/api/v1/teams/${id}/members/${member.account_id}`); teamView(id); } catch (error) { toast(failure(error)); }
      } }, t("Remove")) : null));
  const invite = form([
    field(t("Email"), "email", "email"),
    h("label", {}, t("Role"), h("select", { name: "role" }, h("option", { value: "member" }, t("Member")),
      team.role === "owner" ? h("option", { value: "admin" }, t("Admin")) : null)),
    field(t("Monthly limit (credits, empty: none)"), "monthly_limit", "number", { min: 0, required: false }),
  ], t("Invite"), async (data) => {
    const body = { email: data.get("email"), role: data.get("role") };
    if (data.get("monthly_limit")) body.monthly_limit = Number(data.get("monthly_limit"));
    await api("POST", `/api/v1/teams/${id}/invitations`, body);
    toast(t("Invitation mailed to {email}.", { email: body.email }));
    teamView(id);
  });
  show(team.name,
    h("p", { id: "team-balance" }, t("Team balance: {count} credits · you are {role}", { count: team.balance?.available ?? "?", role: word(team.role) }),
      team.monthly_limit != null ? t(" · your limit {limit} a month, {spent} spent", { limit: team.monthly_limit, spent: team.spent_this_month ?? 0 }) : ""),
    h("p", { class: "muted" }, t("Choose this team under “Pay from” when you upload or create to spend its credits.")),
    manages ? h("h2", {}, t("Buy credits for the team")) : null,
    manages ? h("div", { class: "grid" }, ...packs.items.map((pack) => h("div", { class: "card" }, h("h3", {}, pack.name),
      h("p", {}, t("{count} credits for {price}", { count: pack.credits, price: dollars(pack.price_cents) })),
      h("button", { id: `team-buy-${pack.id}`, onclick: () => buy(pack).catch((error) => toast(failure(error))) }, t("Buy"))))) : null,
    h("h2", {}, t("Members")),
    h("table", { id: "members" }, h("tr", {}, h("th", {}, t("Member")), h("th", {}, t("Role")), h("th", {}, t("Spent this month")), h("th", {}, t("Monthly limit")), h("th", {}, "")),
      ...(team.members || []).map(memberRow)),
    h("h2", {}, t("Shared with the team")),
    shared.items.length ? h("ul", { id: "team-files" }, ...shared.items.map((file) => h("li", {}, file.name || file.id, " ",
      h("button", { class: "secondary", onclick: async () => {
        saveAs(await objectURL(`/api/v1/teams/${id}/files/${file.id}/content`), file.name || file.id);
      } }, t("Download")))))
      : h("p", { class: "muted" }, t("Nothing shared yet: members share results from their batch pages.")),
    manages ? h("h2", {}, t("Invite")) : null, manages ? invite : null,
    manages && team.invitations?.length ? h("table", { id: "invitations" }, ...team.invitations.map((invitation) => h("tr", {},
      h("td", {}, invitation.email), h("td", {}, invitation.role), h("td", {}, t("until {date}", { date: day(invitation.expires_at) })),
      h("td", {}, h("button", { class: "secondary", onclick: async () => {
        try { await api("DELETE", `/api/v1/teams/${id}/invitations/${invitation.id}`); teamView(id); } catch (error) { toast(failure(error)); }
      } }, t("Withdraw")))))) : null,
    team.role === "owner"
      ? h("button", { class: "secondary", id: "delete-team", onclick: async () => {
        if (!confirm(t("Delete {team}? Members keep their own credits and files.", { team: team.name }))) return;
        try { await api("DELETE", `/api/v1/teams/${id}`); location.hash = "#/teams"; } catch (error) { toast(failure(error)); }
      } }, t("Delete team"))
      : h("button", { class: "secondary", id: "leave-team", onclick: async () => {
        if (!confirm(t("Leave {team}?", { team: team.name }))) return;
        try { await api("DELETE", `/api/v1/teams/${id}/members/${me}`); location.hash = "#/teams"; } catch (error) { toast(failure(error)); }
      } }, t("Leave team")));
}

/// "Pay from": one's own credits or a team's; absent when the caller is in no team.
async function payerPicker(onchange) {
  const list = (await api("GET", "/api/v1/teams")).items;
  if (!list.length) return { element: null, teamID: () => undefined };
  const select = h("select", { id: "payer", name: "payer", onchange },
    h("option", { value: "" }, t("My credits")), ...list.map((team) => h("option", { value: team.id }, `Team ${team.name}`)));
  return { element: h("label", {}, t("Pay from"), select), teamID: () => select.value || undefined };
}

// MARK: progress, results, history

async function batchView(id) {
  const bar = h("progress", { max: 100, value: 0, id: "batch-progress", "aria-label": t("Batch progress") });
  const status = h("p", { id: "batch-status", "aria-live": "polite" }, word("queued"));
  const jobs = h("div", { class: "grid", id: "jobs" });
  const zip = h("button", { id: "download-zip", disabled: true }, t("Download all (zip)"));
  zip.addEventListener("click", async () => {
    saveAs(await objectURL(`/api/v1/batches/${id}/zip`), `imageswiss-${id.slice(0, 8)}.zip`);
  });
  show(t("Your batch"), status, bar, zip, jobs);
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
      card = { bar: h("progress", { max: 100, value: 0, "aria-label": t("Job {id}", { id: job.id }) }), state: h("p", {}), images: h("div", {}) };
      shown.set(job.id, card);
      jobs.append(h("div", { class: "card" }, card.images, card.state, card.bar));
    }
    card.bar.value = job.progress;
    card.state.textContent = `${word(job.status)}${job.error ? ` — ${job.error}` : ""}`;
    if (job.status !== "succeeded" || card.done) return;
    card.done = true;
    const groups = duplicateGroups(job);
    if (groups) { card.images.replaceChildren(duplicatesView(groups)); card.images.parentElement.classList.add("wide"); return; }
    const before = job.input_file_ids[0], after = job.thumbnail_file_ids[0] || job.output_file_ids[0];
    // Pictures load beside the progress, not in its way: one that cannot be read (deleted
    // meanwhile) says so in its place, and the stream of changes goes on.
    const picture = (id, alt, missing) => {
      const image = h("img", { alt });
      objectURL(`/api/v1/files/${id}/content`).then((url) => { image.src = url; }, () => { image.alt = missing; });
      return image;
    };
    const pictures = [];
    if (before) pictures.push(picture(before, t("before"), t("original (deleted)")));
    if (after) pictures.push(picture(after, t("after"), t("result (deleted)")));
    card.images.replaceChildren(...pictures);
    const output = job.output_file_ids[0];
    if (output && myTeams.length) card.images.after(shareControl(output, myTeams));
    if (output) card.state.after(webLinkControl(output));
  }

  function showBatch(value) {
    batch = value;
    bar.value = batch.progress;
    status.textContent = `${word(batch.status)} · ${batch.progress}% · ${credits(batch.charged_credits || batch.quoted_credits)}`;
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
  const select = h("select", { "aria-label": t("Team to share with") }, ...teams.map((team) => h("option", { value: team.id }, team.name)));
  return h("p", { class: "share" }, select, h("button", { class: "secondary", onclick: async () => {
    try { await api("POST", `/api/v1/files/${fileID}/share`, { team_id: select.value }); toast(t("Shared with the team.")); } catch (error) { toast(failure(error)); }
  } }, t("Share")));
}

/// "Link for the web": a signed transformation link of a result (a size and a format), for an
/// <img> on one's own site. Nothing is computed until the link is first opened; that first view is
/// charged once, at the resize price; every later view is free.
function webLinkControl(fileID) {
  const size = h("select", { "aria-label": t("Link size"), class: "web-link-size" },
    ...[["320", "Small (320 px)"], ["800", "Medium (800 px)"], ["1600", "Large (1600 px)"]].map(([value, label]) => h("option", { value }, label)));
  const format = h("select", { "aria-label": t("Link format"), class: "web-link-format" },
    ...[["auto", "Best for the browser"], ["jpeg", "JPEG"], ["webp", "WebP"], ["avif", "AVIF"], ["png", "PNG"]].map(([value, label]) => h("option", { value }, label)));
  const url = h("input", { class: "web-link-url", readonly: true, "aria-label": t("Link for the web"), placeholder: t("no link yet") });
  const make = h("button", { class: "secondary web-link", onclick: async () => {
    try {
      const link = await api("POST", `/api/v1/files/${fileID}/transformations`, { options: `rs:fit:${size.value}:${size.value}/f:${format.value}` });
      url.value = new URL(link.path, location.origin).href;
      url.select();
    } catch (error) { toast(failure(error)); }
  } }, t("Link for the web"));
  return h("p", { class: "web-link-row" }, size, format, make, url,
    h("small", {}, t(" The first view of a link is charged once at the resize price; later views are free.")));
}

async function history() {
  const query = new URLSearchParams(location.hash.split("?")[1] || "");
  const status = query.get("status") || "", onlyFavourites = query.get("favourites") === "1";
  const reload = () => { location.hash = `#/history?status=${filter.value}&favourites=${starred.checked ? 1 : 0}`; };
  const filter = h("select", { "aria-label": t("Status"), onchange: reload },
    ...["", "queued", "running", "succeeded", "failed", "canceled", "expired"].map((value) => h("option", { value, selected: value === status }, word(value || "all"))));
  const starred = h("input", { type: "checkbox", id: "only-favourites", checked: onlyFavourites, onchange: reload });
  const page = await api("GET", `/api/v1/jobs?page_size=100${status ? `&status=${status}` : ""}${onlyFavourites ? "&favourite=true" : ""}`);
  show(t("History"), h("div", { class: "check" }, h("label", {}, t("Status"), filter), h("label", { for: "only-favourites" }, starred, "Favourites only")),
    h("table", {}, h("tr", {}, h("th", {}, "★"), h("th", {}, t("When")), h("th", {}, t("Tool")), h("th", {}, t("Status")), h("th", {}, t("Credits")), h("th", {}, "")),
      ...page.items.map((job) => h("tr", {},
        h("td", {}, favouriteButton(job, history)),
        h("td", {}, dateTime(job.created_at)), h("td", {}, job.batch_id ? h("a", { href: `#/batch/${job.batch_id}` }, job.tool) : job.tool),
        h("td", {}, word(job.status), job.error ? h("span", { class: "error" }, ` ${job.error}`) : null), h("td", {}, job.charged_credits || job.quoted_credits),
        h("td", {}, ["queued", "running"].includes(job.status) ? h("button", { class: "secondary", onclick: async () => {
          await api("POST", `/api/v1/jobs/${job.id}/cancel`); history();
        } }, t("Cancel")) : null)))));
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
      toast(t("{count} credits added.", { count: pack.credits }));
      billing();
    } else {
      location.href = checkout.payment_url;
    }
  };
  show(t("Credits"),
    h("p", { id: "available" }, `Available: ${balance ? balance.available : "?"} credits (${balance ? balance.held : 0} held) · tier ${balance ? balance.tier : ""}`),
    packs.payment_provider === "local" ? h("p", { id: "test-payments", class: "banner", role: "note" },
      "Test payments: this ImageSwiss runs in development mode and takes no money. Buying completes at once.") : null,
    h("h2", {}, t("Buy credits")),
    h("div", { class: "grid" }, ...packs.items.map((pack) => h("div", { class: "card" }, h("h3", {}, pack.name),
      h("p", {}, t("{count} credits for {price}", { count: pack.credits, price: dollars(pack.price_cents) })),
      h("button", { id: `buy-${pack.id}`, onclick: () => buy(pack).catch((error) => toast(failure(error))) }, t("Buy"))))),
    h("h2", {}, t("Subscription")),
    h("p", { id: "subscription" }, subscriptionText(subscription)),
    subscription.past_due ? h("p", { class: "banner", role: "alert" }, t("Your last subscription payment failed. Update your card to keep your plan.")) : null,
    packs.payment_provider === "stripe" && subscription.tier.price_cents ? h("button", { class: "secondary", id: "portal", onclick: async () => {
      try { location.href = (await api("POST", "/api/v1/billing/portal")).url; } catch (error) { toast(failure(error)); }
    } }, t("Cards and invoices")) : null,
    h("div", { class: "grid" }, ...tiers.items.map((tier) => tierCard(tier, subscription))),
    h("h2", {}, t("Usage")),
    usageSummary(usage),
    h("h2", {}, t("Invoices")),
    invoices.items.length ? h("table", { id: "invoices" }, ...invoices.items.map((invoice) => h("tr", {}, h("td", {}, invoice.number),
      h("td", {}, invoice.description), h("td", {}, t("{total} (tax {tax})", { total: dollars(invoice.total_cents), tax: dollars(invoice.tax_cents) })),
      h("td", {}, h("button", { class: "secondary", onclick: async () => {
        saveAs(await objectURL(invoice.pdf_url), `${invoice.number}.pdf`);
      } }, t("PDF")), ...(invoice.credit_notes || []).map((note) => h("button", { class: "secondary", title: t("Refund of {amount}", { amount: dollars(note.total_cents) }), onclick: async () => {
        saveAs(await objectURL(note.pdf_url), `${note.number}.pdf`);
      } }, t("{number} (refund {amount})", { number: note.number, amount: dollars(note.total_cents) }))))))) : h("p", { class: "muted" }, t("No invoices yet.")),
    h("details", {}, h("summary", {}, t("Details on your invoices")),
      form([field(t("Name or company"), "name", "text", { value: profile.name, maxlength: 200, required: false }),
        field(t("Address"), "address", "text", { value: profile.address, maxlength: 500, required: false }),
        field(t("Country (two letters, e.g. DE)"), "country", "text", { value: profile.country, maxlength: 2, required: false }),
        field(t("Tax id"), "tax_id", "text", { value: profile.tax_id, maxlength: 50, required: false })], t("Save"), async (data) => {
        await api("PUT", "/api/v1/billing/profile", Object.fromEntries(["name", "address", "country", "tax_id"].map((name) => [name, data.get(name) || ""])));
        toast(t("Saved: later invoices carry these details."));
      })),
    h("h2", {}, t("Receipts")),
    receipts.items.length ? h("table", {}, ...receipts.items.map((receipt) => h("tr", {}, h("td", {}, receipt.number), h("td", {}, receipt.description),
      h("td", {}, dollars(receipt.amount_cents)), h("td", {}, day(receipt.created_at))))) : h("p", { class: "muted" }, t("No receipts yet.")));
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
    } }, t("Download CSV"));
    const period = h("div", { class: "segmented", role: "group", "aria-label": t("Period") }, ...[7, 30, 90].map((days) =>
      h("button", { class: days === usage.days ? "" : "secondary", id: `usage-${days}d`, "aria-pressed": String(days === usage.days), onclick: async () => {
        draw(await api("GET", `/api/v1/billing/usage?days=${days}`));
      } }, t("{count} days", { count: days }))));
    box.replaceChildren(period,
      h("p", {}, t("{credits} credits on {charges} charged items · {jobs} jobs · {files} pictures processed · {calls} API calls.",
        { credits: usage.total_credits, charges: usage.total_charges, jobs: usage.total_jobs, files: usage.total_files_processed, calls: usage.total_api_calls })),
      dailyChart(t("Credits spent per day"), usage.days, usage.lines, (line) => line.credits_spent, "usage-credits-chart"),
      dailyChart(t("Pictures processed per day"), usage.days, usage.lines, (line) => line.files_processed, "usage-files-chart"),
      ...barRows(Object.entries(byOperation).sort((a, b) => b[1] - a[1]), t("credits")),
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
  const button = (interval, label) => current(interval) ? h("p", { class: "muted" }, tier.price_cents ? t("Current ({interval})", { interval: label.toLowerCase() }) : t("Current"))
    : h("button", { class: "secondary", id: `tier-${tier.id}-${interval}`, onclick: choose(interval) }, label);
  return h("div", { class: "card" }, h("h3", {}, tier.name),
    h("p", {}, !tier.price_cents ? t("Free") : tier.annual_price_cents
      ? t("{month} a month or {year} a year", { month: dollars(tier.price_cents), year: dollars(tier.annual_price_cents) })
      : t("{month} a month", { month: dollars(tier.price_cents) })),
    h("p", {}, tierTerms(tier, tier.carry_over && tier.price_cents)),
    tier.price_cents ? button("month", t("Monthly")) : button("month", t("Choose")),
    tier.annual_price_cents ? button("year", t("Yearly")) : null);
}

/// "You are on Pro, paid yearly, changing to Basic at the period's end."
function subscriptionText(subscription) {
  const paid = subscription.tier.price_cents ? (subscription.interval === "year" ? t(", paid yearly") : t(", paid monthly")) : "";
  const change = !subscription.next_tier ? "" : subscription.next_interval === "year"
    ? t(", changing to {tier} (yearly) at the period's end", { tier: subscription.next_tier })
    : t(", changing to {tier} at the period's end", { tier: subscription.next_tier });
  return t("You are on {tier}{paid}{change}.", { tier: subscription.tier.name, paid, change });
}

/// "300 credits a month · results up to 1080p · priority": what a tier gives.
function tierTerms(tier, carried) {
  return (carried ? t("{credits} credits a month, carried over while subscribed", { credits: tier.monthly_credits }) : t("{credits} credits a month", { credits: tier.monthly_credits })) +
    t(" · results up to {pixels}p", { pixels: tier.max_output_pixels }) + (tier.priority ? t(" · priority") : "");
}

// MARK: account

async function account() {
  const [me, signIns] = await Promise.all([api("GET", "/api/v1/me"), api("GET", "/api/v1/me/sign-ins")]);
  show(t("Account"),
    h("p", {}, me.email, me.email_verified ? "" : t(" (not verified)"), ` · ${word(me.role)}`),
    h("h2", {}, t("Profile")),
    form([field(t("Display name"), "display_name", "text", { value: me.display_name || "", maxlength: 100 })], t("Save"), async (data) => {
      await api("PATCH", "/api/v1/me", { display_name: data.get("display_name") });
      toast(t("Profile saved."));
    }),
    h("h2", {}, t("Password")),
    form([field(t("Current password"), "current", "password", { autocomplete: "current-password" }),
      field(t("New password"), "next", "password", { autocomplete: "new-password", minlength: 10 })], t("Change the password"), async (data) => {
      await api("POST", "/api/v1/me/password", { current_password: data.get("current"), new_password: data.get("next") });
      toast(t("Password changed; your other sessions were signed out."));
    }),
    h("h2", {}, t("Picture")), avatarControl(me),
    h("h2", {}, t("Appearance")),
    themeChoice(), languageChoice(me),
    h("h2", {}, t("Recent sign-ins")),
    h("table", {}, ...(signIns.items || []).slice(0, 10).map((event) => h("tr", {}, h("td", {}, dateTime(event.at)),
      h("td", {}, event.client_ip), h("td", {}, event.user_agent.slice(0, 60)), h("td", { class: event.succeeded ? "ok" : "error" }, event.succeeded ? "signed in" : "failed")))),
    h("p", {}, t("API keys, webhooks and links for the web are on the "), h("a", { href: "#/developers" }, t("developers page")), "."),
    h("h2", {}, t("Your data")),
    h("p", {}, h("button", { class: "secondary", id: "export-account", onclick: async () => {
      try { saveAs(await objectURL("/api/v1/me/export"), "imageswiss-account.json"); } catch (error) { toast(failure(error)); }
    } }, t("Download everything we hold about your account (JSON)"))),
    h("h2", {}, t("Delete the account")),
    h("p", { class: "muted" }, t("Your sign-ins, keys and settings go at once; your files and results are deleted with it. This cannot be undone.")),
    form([field(t("Password"), "password", "password", { autocomplete: "current-password", id: "delete-password" })], t("Delete my account"), async (data) => {
      if (!confirm(t("Delete your account and everything in it?"))) return;
      await api("DELETE", "/api/v1/me", { password: data.get("password") });
      session.clear();
      location.hash = "#/";
      toast(t("Your account was deleted."));
    }));
}

/// The language of the app (and of the account's mails): kept in the account and this browser;
/// choosing one reloads the page in it.
function languageChoice(me) {
  const select = h("select", { id: "language", onchange: async () => {
    try { await api("PATCH", "/api/v1/me", { locale: select.value }); } catch (error) { toast(failure(error)); return; }
    setLanguage(select.value);
    location.reload();
  } }, ...LANGUAGES.map(([code, name]) => h("option", { value: code, lang: code }, name)));
  select.value = language;
  return h("label", { class: "inline" }, t("Language"), select);
}

/// The account's picture: shown, replaced by an upload (purpose avatar), or removed.
function avatarControl(me) {
  const picture = h("img", { class: "avatar", id: "avatar", alt: t("Your picture"), hidden: !me.avatar_blob_id });
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
      toast(t("Picture saved."));
    } catch (error) { toast(failure(error)); }
    picker.value = "";
  });
  return h("div", { class: "avatar-row" }, picture, h("label", {}, t("Choose a picture"), picker));
}

// MARK: developers

/// What a key may do (Auth's scopes; a key never manages keys, accounts or other users).
const KEY_SCOPES = ["profile:read", "files:read", "files:write", "jobs:read", "jobs:write", "billing:read"];

/// A secret shown once, in the page (not an alert): selectable, with a copy button.
function shownOnce(label, secret) {
  const box = document.getElementById("shown-once");
  box.replaceChildren(h("strong", {}, t("{label} (shown once): ", { label })), h("code", { id: "shown-once-secret" }, secret), " ",
    h("button", { class: "secondary", onclick: () => navigator.clipboard?.writeText(secret).then(() => toast(t("Copied."))) }, t("Copy")));
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
    log.replaceChildren(h("h3", {}, t("Deliveries to {url}", { url: hook.url })), h("table", {}, ...page.items.map((d) => h("tr", {}, h("td", {}, d.event), h("td", {}, d.status),
      h("td", {}, t(d.attempts === 1 ? "{count} attempt" : "{count} attempts", { count: d.attempts })), h("td", {}, d.last_status_code || d.last_error || ""),
      h("td", {}, h("button", { class: "secondary", onclick: async () => {
        try { await api("POST", `/api/v1/webhooks/${hook.id}/deliveries/${d.id}/redeliver`, undefined, { idempotent: true }); toast(t("Sent again.")); deliveries(hook); } catch (error) { toast(failure(error)); }
      } }, t("Redeliver")))))));
  };
  show(t("Developers"),
    h("p", {}, t("Everything in ImageSwiss is an HTTP API: the "), h("a", { href: "/api/v1/docs" }, t("API reference")), t(" (also as "),
      h("a", { href: "/api/v1/openapi.json" }, t("OpenAPI")), t(") lists every operation.")),
    h("h2", {}, t("Quick start")),
    h("pre", { id: "quick-start" }, [
      `# ${t("an API key from below in $KEY, then: upload (answers the file's id), quote, submit, follow, download")}`,
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
    h("h2", {}, t("API keys")),
    h("table", { id: "api-keys" }, ...keys.items.map((item) => h("tr", {}, h("td", {}, item.name), h("td", {}, (item.scopes || []).join(" ")),
      h("td", {}, item.revoked ? t("revoked") : item.expired ? t("expired") : item.expires_at ? t("expires {date}", { date: dateTime(item.expires_at) }) : t("no expiry")),
      h("td", { id: `key-usage-${item.id}` }, h("button", { class: "secondary", onclick: async () => {
        const usage = await api("GET", `/api/v1/auth/keys/${item.id}/usage?days=30`);
        document.getElementById(`key-usage-${item.id}`).textContent = t("{calls} calls, {errors} errors in 30 days", { calls: usage.calls, errors: usage.errors });
      } }, t("Usage"))),
      h("td", {}, h("button", { class: "secondary", onclick: async () => { await api("DELETE", `/api/v1/auth/keys/${item.id}`); developers(); } }, t("Revoke")))))),
    form([field(t("Name"), "name"), h("label", {}, t("Expires after"),
      h("select", { name: "expires_in_days" }, ...[["0", "never"], ["30", "30 days"], ["90", "90 days"], ["365", "a year"]].map(([value, text]) => h("option", { value }, text)))),
      h("fieldset", {}, h("legend", {}, t("What it may do")), ...KEY_SCOPES.map((scope) => h("label", { class: "inline" },
        h("input", { type: "checkbox", name: "scopes", value: scope, checked: !scope.endsWith(":write") || scope === "jobs:write" || scope === "files:write" }), scope)))],
    "Create an API key", async (data) => {
      const scopes = data.getAll("scopes");
      if (!scopes.length) throw new Error("tick at least one thing the key may do");
      const created = await api("POST", "/api/v1/auth/keys", { name: data.get("name"), scopes, expires_in_days: Number(data.get("expires_in_days")) }, { idempotent: true });
      await developers();
      shownOnce(t("Your key"), created.secret);
    }),
    h("h2", {}, t("Webhooks")),
    h("p", {}, t("Deliveries are signed as Standard Webhooks say (webhook-id, webhook-timestamp, webhook-signature).")),
    h("table", { id: "webhooks" }, ...hooks.items.map((hook) => h("tr", {}, h("td", {}, hook.url), h("td", {}, hook.events.join(" ") || "all events"),
      h("td", {},
        h("button", { class: "secondary", onclick: async () => {
          try { await api("POST", `/api/v1/webhooks/${hook.id}/test`); toast(t("A test event is on its way.")); } catch (error) { toast(failure(error)); }
        } }, t("Send a test")), " ",
        h("button", { class: "secondary", onclick: () => deliveries(hook) }, t("Delivery log")), " ",
        h("button", { class: "secondary", onclick: async () => { await api("DELETE", `/api/v1/webhooks/${hook.id}`); developers(); } }, t("Delete")))))),
    log,
    form([field(t("URL (https)"), "url", "url")], t("Add a webhook"), async (data) => {
      const created = await api("POST", "/api/v1/webhooks", { url: data.get("url") }, { idempotent: true });
      await developers();
      shownOnce(t("Signing secret"), created.secret);
    }),
    ...transformationSettings(linkKeys.keys, presets.presets));
}

/// Keys that sign links for the web (rotation: make a new key, re-sign, delete the old one) and
/// named presets (`pr:thumb` in a link). docs/api.md, "URL transformations".
function transformationSettings(keys, presets) {
  return [
    h("h2", {}, t("Links for the web")),
    h("p", {}, t("Links to transformed copies of your files, for your own site, are signed with these keys. Deleting a key stops its links.")),
    h("table", { id: "link-keys" }, ...keys.map((key, index) => h("tr", {}, h("td", {}, t("key {hint}", { hint: key.secret_hint })),
      h("td", {}, (index === 0 ? t("made {date} · signs new links", { date: day(key.created_at) }) : t("made {date}", { date: day(key.created_at) }))),
      h("td", {}, h("button", { class: "secondary", onclick: async () => { await api("DELETE", `/api/v1/transformations/keys/${key.id}`); developers(); } }, t("Delete")))))),
    h("button", { class: "secondary", id: "new-link-key", onclick: async () => {
      try {
        const created = await api("POST", "/api/v1/transformations/keys", undefined, { idempotent: true });
        alert(t("Your link key (shown once, for signing links in your own code): {secret}", { secret: created.secret }));
        developers();
      } catch (error) { toast(failure(error)); }
    } }, t("New link key")),
    h("h3", {}, t("Presets")),
    h("table", { id: "link-presets" }, ...presets.map((preset) => h("tr", {}, h("td", {}, h("code", {}, `pr:${preset.name}`)), h("td", {}, h("code", {}, preset.options)),
      h("td", {}, h("button", { class: "secondary", onclick: async () => { await api("DELETE", `/api/v1/transformations/presets/${preset.name}`); developers(); } }, t("Delete")))))),
    form([field(t("Name"), "name", "text", { pattern: "[a-z0-9_\\-]{1,40}", required: true }), field(t("Options"), "options", "text", { placeholder: t("rs:fill:300:300/q:80/f:auto"), required: true })],
      "Save the preset", async (data) => {
        await api("PUT", `/api/v1/transformations/presets/${data.get("name")}`, { options: data.get("options") });
        toast(t("Preset saved."));
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
      toast(t("Price list version {version} saved.", { version: saved.version }));
    } catch (error) { toast(failure(error)); }
  } }, t("Save prices"));
  show(t("Admin"),
    h("h2", {}, t("Queues")), h("table", {}, ...queues.items.map((lane) => h("tr", {}, h("td", {}, lane.lane), h("td", {}, t("{count} queued", { count: lane.queued })),
      h("td", {}, t("{count} running", { count: lane.running })), h("td", {}, t("oldest {seconds} s", { seconds: Math.round(lane.oldest_wait_seconds) }))))),
    h("h2", {}, t("Prices")), h("div", { class: "grid" }, ...priceInputs), savePrices,
    h("h2", {}, t("Sales catalogue (version {version})", { version: catalogue.version })), catalogueEditor(catalogue),
    h("h2", {}, t("AI providers, models, presets and spend limits")), ...aiEditor(ai, await operations()),
    h("h2", {}, t("Reports")), reportsPanel(report, spend),
    h("h2", {}, t("Jobs")), h("table", {}, ...jobs.items.map((job) => h("tr", {}, h("td", {}, job.owner_id), h("td", {}, job.tool), h("td", {}, word(job.status)),
      h("td", {}, ["failed", "canceled", "expired"].includes(job.status) ? h("button", { class: "secondary", onclick: async () => {
        await api("POST", `/api/v1/admin/jobs/${job.id}/retry`); admin();
      } }, t("Retry")) : null)))),
    h("h2", {}, t("Users")), ...usersPanel(users),
    h("h2", {}, t("Teams")), ...adminTeamsPanel(teams),
    h("h2", {}, t("Audit log")), h("table", {}, ...audit.items.map((entry) => h("tr", {}, h("td", {}, entry.action),
      h("td", {}, dateTime(entry.at))))));
}

// Users as admins look after them: search by email or name, disable or enable (sessions end),
// make admin or user, grant credits (promotional or a refund, once per click), purge files (the
// repair of a failed account deletion, after a confirmation). Each action redraws the row.
/// Every team with its owner and size, searchable by name or owner (the newest 50 at a time).
function adminTeamsPanel(initial) {
  const table = h("table", { id: "admin-teams" });
  const render = (items) => table.replaceChildren(
    h("tr", {}, h("th", {}, t("Team")), h("th", {}, t("Owner")), h("th", {}, t("Members")), h("th", {}, t("Created"))),
    ...items.map((team) => h("tr", { "data-team": team.id }, h("td", {}, team.name), h("td", {}, team.owner_email),
      h("td", {}, formatNumber(team.member_count)), h("td", {}, day(team.created_at)))));
  render(initial.items);
  const search = form([field(t("Team name or owner's email"), "q", "search", { required: false, id: "team-search" })], t("Search teams"), async (data) => {
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
      await act(t("{count} credits granted to {email}.", { count: data.get("amount"), email: user.email }), () => api("POST", "/api/v1/admin/billing/grants",
        { account_id: user.id, amount: Number(data.get("amount")), source: data.get("source") }, { idempotent: true }));
    } },
      h("label", {}, t("Credits"), h("input", { name: "amount", type: "number", min: 1, required: true, value: 10, class: "narrow" })),
      h("label", {}, t("as"), h("select", { name: "source" }, h("option", { value: "promotional" }, t("promotional")), h("option", { value: "refund" }, t("refund")))),
      h("button", { type: "submit", class: "secondary" }, t("Grant")));
    const element = h("tr", { "data-user": user.email },
      h("td", {}, user.email), h("td", {}, word(user.role)), h("td", {}, user.disabled ? t("disabled") : t("active")),
      h("td", {},
        h("button", { class: "secondary", onclick: () => patch(user, { disabled: !user.disabled }, (user.disabled ? t("{email} enabled.", { email: user.email }) : t("{email} disabled.", { email: user.email }))) },
          user.disabled ? t("Enable") : t("Disable")),
        h("button", { class: "secondary", onclick: () => patch(user, { role: user.role === "admin" ? "user" : "admin" }, (user.role === "admin" ? t("{email} is now a user.", { email: user.email }) : t("{email} is now an admin.", { email: user.email }))) },
          user.role === "admin" ? t("Make user") : t("Make admin")),
        h("button", { class: "secondary danger", onclick: () => {
          if (!confirm(t("Delete every file of {email}? This cannot be undone.", { email: user.email }))) return;
          act(t("{email}'s files purged.", { email: user.email }), () => api("DELETE", `/api/v1/admin/users/${user.id}/files`));
        } }, t("Purge files"))),
      h("td", {}, grant));
    row.set(user.id, element);
    return element;
  }
  const render = (items) => table.replaceChildren(...items.map(userRow));
  render(initial.items);
  const search = form([field(t("Email or name"), "q", "search", { required: false, id: "user-search" })], t("Search users"), async (data) => {
    const page = await api("GET", `/api/v1/admin/users?page_size=50&q=${encodeURIComponent(data.get("q") || "")}`);
    render(page.items);
  });
  return [search, table];
}

// The AI catalogue as admins run it: providers (credentials shown by their last four characters
// only), models with their prices and costs, style presets, and the daily spend limits per provider and
// per tier with today's spend. Each form replaces the entry it names (PUT); the next quote uses it.
function aiEditor(ai, operations) {
  const micros = (value) => money(value / 1e6);
  const put = (path, body, what) => async () => {
    await api("PUT", `/api/v1/admin/ai/${path}`, body);
    toast(t("{what} saved.", { what }));
    admin();
  };
  const remove = (path) => h("button", { class: "secondary", onclick: async () => {
    try { await api("DELETE", `/api/v1/admin/ai/${path}`); admin(); } catch (error) { toast(failure(error)); }
  } }, t("Remove"));
  const select = (name, options) => h("label", {}, t(name.replace(/_/g, " ")), h("select", { name }, ...options.map((option) => h("option", { value: option }, option))));
  const optional = (label, name, type = "text", attributes = {}) => field(label, name, type, { required: false, ...attributes });
  // An id of the AI catalogue: lowercase letters, digits, "_" and "-" ("-" escaped for Chrome's v-flag patterns).
  const idPattern = "[a-z0-9][a-z0-9_\\-]{0,39}";
  const aiOperations = operations.filter((operation) => operation.needs_provider).map((operation) => operation.name);
  const providerForm = form([
    field(t("Id"), "id", "text", { pattern: idPattern }),
    select("kind", ["together", "stability", "comfyui", "runpod", "replicate", "openai"]),
    field(t("Base URL"), "base_url", "url"), optional(t("Credential (kept sealed; empty keeps the stored one)"), "credential", "password"),
    optional(t("Daily spend limit (micro-dollars, 0: none)"), "daily_spend_limit_micros", "number", { min: 0 }),
  ], t("Save provider"), async (data) => {
    const body = { kind: data.get("kind"), base_url: data.get("base_url"), daily_spend_limit_micros: Number(data.get("daily_spend_limit_micros") || 0) };
    if (data.get("credential")) body.credential = data.get("credential");
    await put(`providers/${data.get("id")}`, body, t("Provider"))();
  });
  const modelForm = form([
    field(t("Id"), "id", "text", { pattern: idPattern }), select("operation", aiOperations),
    select("provider_id", ai.providers.map((provider) => provider.id)),
    field(t("The provider's model, version, endpoint, path or workflow"), "reference"), field(t("Label"), "label"),
    optional(t("Price in credits (0: the operation's)"), "price_credits", "number", { min: 0 }),
    optional(t("Cost per run (micro-dollars)"), "unit_cost_micros", "number", { min: 0 }),
    h("label", {}, h("input", { type: "checkbox", name: "is_default" }), t(" the operation's default")),
  ], t("Save model"), async (data) => {
    await put(`models/${data.get("id")}`, {
      operation: data.get("operation"), provider_id: data.get("provider_id"), reference: data.get("reference"), label: data.get("label"),
      price_credits: Number(data.get("price_credits") || 0), unit_cost_micros: Number(data.get("unit_cost_micros") || 0),
      is_default: data.get("is_default") === "on",
    }, t("Model"))();
  });
  const presetForm = form([
    field(t("Id"), "id", "text", { pattern: idPattern }), field(t("Label"), "label"),
    field(t("Template ({prompt} is the user's words)"), "template", "text", { value: "{prompt}, " }),
    optional(t("Negative prompt"), "negative_prompt"), optional(t("Preview (one of your file ids)"), "preview_file_id"),
  ], t("Save preset"), async (data) => {
    const body = { label: data.get("label"), template: data.get("template"), negative_prompt: data.get("negative_prompt") || "" };
    if (data.get("preview_file_id")) body.preview_file_id = data.get("preview_file_id");
    await put(`presets/${data.get("id")}`, body, "Preset")();
  });
  const tierForm = form([
    field(t("Tier id"), "id", "text", { pattern: idPattern, value: "free" }),
    field(t("Daily limit (micro-dollars)"), "daily_limit_micros", "number", { min: 1 }),
  ], t("Save tier limit"), async (data) => {
    await put(`tier-limits/${data.get("id")}`, { daily_limit_micros: Number(data.get("daily_limit_micros")) }, "Tier limit")();
  });
  [providerForm.id, modelForm.id, presetForm.id, tierForm.id] = ["ai-provider-form", "ai-model-form", "ai-preset-form", "ai-tier-form"];
  return [
    h("table", { id: "ai-providers" }, h("tr", {}, h("th", {}, t("Provider")), h("th", {}, t("Kind")), h("th", {}, t("Base URL")), h("th", {}, t("Credential")),
      h("th", {}, t("Spent today / limit")), h("th", {}, "")),
      ...ai.providers.map((provider) => h("tr", {}, h("td", {}, provider.id), h("td", {}, provider.kind), h("td", {}, provider.base_url),
        h("td", {}, provider.credential_hint || "—"),
        h("td", {}, `${micros(provider.spent_today_micros || 0)} / ${provider.daily_spend_limit_micros ? micros(provider.daily_spend_limit_micros) : t("none")}`),
        h("td", {}, provider.from_configuration ? t("(configuration)") : remove(`providers/${provider.id}`))))),
    h("details", {}, h("summary", {}, t("Add or replace a provider")), providerForm),
    h("table", { id: "ai-models" }, h("tr", {}, h("th", {}, t("Model")), h("th", {}, t("Operation")), h("th", {}, t("Provider")), h("th", {}, t("Price")),
      h("th", {}, t("Cost per run")), h("th", {}, "")),
      ...ai.models.map((model) => h("tr", {}, h("td", {}, model.label, model.is_default ? t(" (default)") : ""), h("td", {}, model.operation),
        h("td", {}, model.provider_id), h("td", {}, model.price_credits ? credits(model.price_credits) : t("the operation's")),
        h("td", {}, micros(model.unit_cost_micros || 0)), h("td", {}, model.from_configuration ? t("(configuration)") : remove(`models/${model.id}`))))),
    h("details", {}, h("summary", {}, t("Add or replace a model")), modelForm),
    h("table", { id: "ai-presets" }, ...ai.presets.map((preset) => h("tr", {}, h("td", {}, preset.label), h("td", {}, preset.template),
      h("td", {}, remove(`presets/${preset.id}`))))),
    h("details", {}, h("summary", {}, t("Add or replace a style preset")), presetForm),
    h("table", { id: "ai-tier-limits" }, ...(ai.tier_limits || []).map((limit) => h("tr", {}, h("td", {}, limit.tier_id),
      h("td", {}, t("{spent} of {limit} today", { spent: micros(limit.spent_today_micros || 0), limit: micros(limit.daily_limit_micros) })), h("td", {}, remove(`tier-limits/${limit.tier_id}`))))),
    h("details", {}, h("summary", {}, t("Set a tier's daily AI spend limit")), tierForm),
  ];
}

// The catalogue as the admin edits it: the base price, packs and the tiers on sale, with every item's
// price per credit beside the base price; Billing refuses a version that breaks the price rule.
function catalogueEditor(catalogue) {
  // Each cell's input is named for a screen reader by its row and column ("Starter: price in cents").
  const number = (id, value, label) => h("input", { type: "number", min: 0, value, id, class: "narrow", "aria-label": label });
  const read = (id) => Number(document.getElementById(id).value);
  const perCredit = (price) => money(price.micros_per_credit / 1e6, 4);
  const table = h("table", { id: "catalogue-prices" },
    h("tr", {}, h("th", {}, t("Item")), h("th", {}, t("Price")), h("th", {}, t("Credits")), h("th", {}, t("Per credit")), h("th", {}, t("Below base"))),
    ...catalogue.prices.map((price) => h("tr", {}, h("td", {}, price.item), h("td", {}, dollars(price.cents)), h("td", {}, price.credits),
      h("td", {}, perCredit(price)), h("td", {}, percent(price.discount_basis_points)))));
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
      toast(t("Catalogue version {version} saved.", { version: saved.version })); admin();
    } catch (error) { toast(failure(error)); }
  } }, t("Save catalogue"));
  return h("div", {},
    h("label", {}, t("Base price of a credit (cents, custom amounts)"), number("catalogue-base", catalogue.credit_price_cents, t("Base price of a credit in cents"))),
    h("table", {}, h("tr", {}, h("th", {}, t("Pack")), h("th", {}, t("Price (cents)")), h("th", {}, t("Credits"))),
      ...catalogue.packs.map((pack) => h("tr", {}, h("td", {}, pack.name), h("td", {}, number(`pack-${pack.id}-price`, pack.price_cents, t("{name}: price in cents", { name: pack.name }))),
        h("td", {}, number(`pack-${pack.id}-credits`, pack.credits, t("{name}: credits", { name: pack.name })))))),
    h("table", {}, h("tr", {}, h("th", {}, t("Tier")), h("th", {}, t("Month (cents)")), h("th", {}, t("Year (cents)")), h("th", {}, t("Credits a month"))),
      ...onSale.map((tier) => h("tr", {}, h("td", {}, tier.name), h("td", {}, number(`tier-${tier.id}-month`, tier.price_cents, t("{name}: monthly price in cents", { name: tier.name }))),
        h("td", {}, number(`tier-${tier.id}-year`, tier.annual_price_cents, t("{name}: yearly price in cents", { name: tier.name }))), h("td", {}, number(`tier-${tier.id}-credits`, tier.monthly_credits, t("{name}: credits a month", { name: tier.name })))))),
    save, h("h3", {}, t("Price per credit")), table);
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
  show(t("Photos, fixed and made — in batches"),
    h("p", { class: "lead" }, t("Upload photos, tick what should happen — resize, convert, compress, restore, colourise, read text, remove the background — see the exact cost, and download the results one by one, as a zip, or as links for your own site. Or describe a picture and have it made.")),
    h("p", { class: "actions" }, h("a", { class: "button", href: "#/signup", id: "landing-signup" }, t("Start free")), " ",
      h("a", { class: "button secondary", href: "#/signin" }, t("Sign in"))),
    h("h2", {}, t("Tools")),
    h("div", { class: "grid", id: "landing-tools" }, ...[...byCategory].map(([category, items]) => h("div", { class: "card" },
      h("h3", {}, CATEGORIES[category] || category),
      h("ul", {}, ...items.map((operation) => h("li", {}, h("strong", {}, t(operation.label)), ` — ${t(operation.summary)}`,
        operation.available === false ? h("span", { class: "muted" }, t(" (not offered here yet)")) : null)))))),
    catalogue ? h("h2", {}, t("Pricing")) : null,
    catalogue ? h("p", {}, t("Pay per picture in credits; a credit costs {price} at the base price, less in larger packs.", { price: dollars(catalogue.credit_price_cents) })) : null,
    catalogue ? h("div", { class: "grid", id: "landing-packs" }, ...catalogue.packs.map((pack) => h("div", { class: "card" },
      h("h3", {}, pack.name), h("p", {}, t("{count} credits for {price}", { count: pack.credits, price: dollars(pack.price_cents) }))))) : null,
    catalogue ? h("div", { class: "grid", id: "landing-tiers" }, ...catalogue.tiers.map((tier) => h("div", { class: "card" },
      h("h3", {}, tier.name),
      h("p", {}, tier.price_cents ? t("{month} a month", { month: dollars(tier.price_cents) }) : t("Free")),
      h("p", {}, tierTerms(tier, false))))) : null,
    h("h2", {}, t("For developers")),
    h("p", {}, t("Everything here is an HTTP API with keys, webhooks and signed transformation links. "),
      h("a", { href: "/api/v1/docs" }, t("Read the API reference")), "."));
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
    show(t("Something went wrong"), h("p", { class: "error" }, failure(error)));
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
window.addEventListener("offline", () => toast(t("You are offline. Photos you pick wait until the network returns.")));
window.addEventListener("online", () => toast(t("Back online.")));

// "Menu" unfolds the navigation on narrow screens (CSS hides it there); choosing a page folds it.
const menu = document.getElementById("menu");
// index.html's own words, in the reader's language.
document.querySelector(".skip").textContent = t("Skip to content");
menu.textContent = t("Menu");
installButton.textContent = t("Install app");
document.getElementById("nav").setAttribute("aria-label", t("Main"));
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
