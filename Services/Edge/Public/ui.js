// The web app's building blocks, shared by every view module: elements, the page, messages.
import { api, ApiError } from "/api.js";
import { t, number, money, errorText } from "/i18n.js";

const main = document.getElementById("main");

/// h("button", {onclick, class}, "text", child…): an element.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) element.append(child instanceof Node ? child : String(child));
  return element;
}

let toastTimer;
export function toast(message) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.classList.add("show");
  // A new message restarts the clock: an earlier message's timer must not hide this one.
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => box.classList.remove("show"), 3500);
}

export function failure(error) {
  if (!(error instanceof ApiError)) return String(error);
  const text = errorText(error.code, error.message, error.field);
  return error.requestId ? t("{text} ({code}, request {id})", { text, code: error.code, id: error.requestId }) : t("{text} ({code})", { text, code: error.code });
}

export function show(title, ...content) {
  main.replaceChildren(h("h1", {}, title), ...content.filter((child) => child !== null && child !== undefined && child !== false));
  // Wide tables scroll inside their own box on a phone instead of widening the page.
  for (const table of main.querySelectorAll("table")) {
    const box = h("div", { class: "table-scroll", tabindex: 0, role: "region", "aria-label": t("{title}: table", { title }) });
    table.replaceWith(box);
    box.append(table);
  }
  document.title = `${title} · ImageSwiss`;
  main.focus();
}

/// A star that favourites a job on the server (the same in every browser and through the API);
/// `changed(job)` runs with the job as the server answered it.
export function favouriteButton(job, changed) {
  const button = h("button", { class: "secondary favourite", "aria-pressed": job.favourite ? "true" : "false", "aria-label": t("Favourite"),
    onclick: async () => {
      button.disabled = true;
      try {
        changed(await api(job.favourite ? "DELETE" : "PUT", `/api/v1/jobs/${job.id}/favourite`));
      } catch (error) { toast(failure(error)); } finally { button.disabled = false; }
    } }, job.favourite ? "★" : "☆");
  return button;
}

/// The words for values the server sends (job states, roles): shown in the reader's language,
/// sent and compared as they are.
const WORDS = {
  all: t("all"), queued: t("queued"), running: t("running"), succeeded: t("succeeded"), failed: t("failed"),
  canceled: t("canceled"), expired: t("expired"), ready: t("ready"), user: t("user"), admin: t("admin"), owner: t("owner"), member: t("member"),
};
export const word = (value) => WORDS[value] ?? value;

/// "1 credit", "1,250 credits": the number in the reader's language, the noun agreeing with it.
export function credits(count) {
  const values = { count: number(count) };
  return Number(count) === 1 ? t("{count} credit", values) : t("{count} credits", values);
}

/// Saves `url` (usually an object URL of a protected file) under `name`, as a download.
export function saveAs(url, name) {
  const link = h("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

/// The account page's appearance choice: "system", "light" or "dark" (theme.js applies it at load).
export function themeChoice() {
  const select = h("select", { id: "theme", onchange: () => {
    if (select.value === "system") {
      localStorage.removeItem("imageswiss.theme");
      delete document.documentElement.dataset.theme;
    } else {
      localStorage.setItem("imageswiss.theme", select.value);
      document.documentElement.dataset.theme = select.value;
    }
  } }, ...[["system", t("As the system")], ["light", t("Light")], ["dark", t("Dark")]].map(([value, text]) => h("option", { value }, text)));
  select.value = localStorage.getItem("imageswiss.theme") || "system";
  return h("label", { class: "inline" }, t("Colours"), select);
}

/// Cents as dollars: "$4.99".
export const dollars = (cents) => money(cents / 100);
