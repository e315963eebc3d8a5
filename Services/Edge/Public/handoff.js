// Desktop → phone hand-off. On the computer, the uploader shows a QR code; the phone that scans it
// opens #/handoff (no sign-in: the link opens once and gives an upload-only key until the
// hand-off ends), takes photos, and they appear in the computer's uploader as they arrive.
import { api, ApiError, uploadFile } from "/api.js";
import { h, failure, show } from "/ui.js";
import { t, time } from "/i18n.js";

const POLL_MS = 2000;
const KEY = "isw_handoff";

/// The computer's side: a button that makes a hand-off and shows its code; each photo the phone
/// uploads is passed to `arrived(file)` once. Watching stops when the hand-off ends or the page goes.
export function phoneHandoff(arrived) {
  const panel = h("div", { id: "handoff", class: "handoff", "aria-live": "polite" });
  const button = h("button", { class: "secondary", id: "handoff-start", onclick: start }, t("Use your phone's camera"));
  async function start() {
    button.disabled = true;
    let handoff;
    try {
      handoff = await api("POST", "/api/v1/handoffs", undefined, { idempotent: true });
    } catch (error) {
      panel.replaceChildren(h("p", { class: "error" }, failure(error)));
      button.disabled = false;
      return;
    }
    const ends = new Date(handoff.expires_at);
    const status = h("p", { id: "handoff-status", class: "muted" }, t("Waiting for your phone…"));
    const link = h("input", { id: "handoff-link", readonly: true, value: handoff.link, class: "web-link-url", "aria-label": t("Link for the phone") });
    panel.replaceChildren(
      h("img", { class: "qr", id: "handoff-qr", alt: t("QR code: scan it with your phone's camera"),
        src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(handoff.qr_svg)}` }),
      h("div", { class: "stack" },
        h("p", {}, t("Scan this with your phone's camera. Photos you take there appear here. The code works once, until {time}.",
          { time: time(ends) })),
        link, status));
    watch(handoff, ends, status);
  }
  async function watch(handoff, ends, status) {
    const seen = new Set();
    const page = location.hash;
    let opened = false;
    // Until the hand-off ends or this uploader is gone (another page, or this one drawn again).
    const here = () => location.hash === page && panel.isConnected;
    while (here() && Date.now() < ends.getTime()) {
      try {
        if (!opened && (await api("GET", `/api/v1/handoffs/${handoff.id}`)).redeemed_at) {
          opened = true;
          status.textContent = t("Your phone is connected: take photos there.");
          status.className = "ok";
        }
        if (opened) {
          const files = await api("GET", `/api/v1/files?purpose=upload&created_after=${encodeURIComponent(handoff.created_at)}&page_size=100`);
          for (const file of files.items.slice().reverse()) {
            if (seen.has(file.id)) continue;
            seen.add(file.id);
            arrived(file);
          }
        }
      } catch (error) {
        status.textContent = failure(error);
        status.className = "error";
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    if (here()) {
      status.textContent = t("The code has expired. Make a new one to send more photos.");
      status.className = "muted";
      button.disabled = false;
    }
  }
  return h("div", { class: "handoff-box" }, button, panel);
}

/// The phone's side (#/handoff?token=…): opens the link once, then uploads what the camera takes.
/// The key is kept for this tab, so a reload goes on without opening the link again.
export async function handoffPage() {
  const token = new URLSearchParams(location.hash.split("?")[1] || "").get("token") || "";
  let credential = JSON.parse(sessionStorage.getItem(KEY) || "null");
  if (!credential || credential.token !== token || new Date(credential.expires_at) < new Date()) {
    try {
      const opened = await api("POST", "/api/v1/handoffs/redeem", { token });
      credential = { token, key: opened.api_key, expires_at: opened.expires_at };
      sessionStorage.setItem(KEY, JSON.stringify(credential));
    } catch (error) {
      const message = error instanceof ApiError && error.status === 404 ? error.message : failure(error);
      show(t("Send photos to your computer"), h("p", { class: "error", id: "handoff-error" }, message));
      return;
    }
  }
  const until = time(credential.expires_at);
  const list = h("ul", { class: "stack", id: "handoff-sent", "aria-label": t("Photos sent") });
  const camera = h("input", { type: "file", id: "handoff-camera", accept: "image/*", capture: "environment", multiple: true });
  camera.addEventListener("change", () => {
    for (const file of camera.files) {
      const bar = h("progress", { max: 1, value: 0, "aria-label": t("Sending {name}", { name: file.name }) });
      const state = h("span", { class: "muted" }, t("sending…"));
      list.append(h("li", {}, file.name, " ", state, bar));
      uploadFile(file, (fraction) => { bar.value = fraction; }, "upload", credential.key).then(() => {
        bar.value = 1;
        state.textContent = t("sent");
        state.className = "ok";
      }, (error) => {
        state.textContent = error.status === 401 ? t("the hand-off has ended: scan a new code") : failure(error);
        state.className = "error";
      });
    }
    camera.value = "";
  });
  show(t("Send photos to your computer"),
    h("p", {}, t("Connected to your account on the computer until {time}. Photos you take here go straight there.", { time: until })),
    h("div", { class: "drop" }, h("label", { for: "handoff-camera" }, t("Take a photo (or pick some)")), camera), list);
}
