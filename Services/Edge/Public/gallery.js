// The gallery: every finished result as a card in a grid that grows as one scrolls. A card compares
// before and after with a slider, downloads the result as it is or in a chosen size and format
// (through a signed transformation link), makes a share link that expires, shows OCR text to copy,
// and deletes the result. The toolbar filters by tool and favourites and searches titles.
import { api, objectURL } from "/api.js";
import { h, toast, failure, show, favouriteButton, saveAs } from "/ui.js";
import { duplicateGroups, duplicatesView } from "/duplicates.js";
import { t, dateTime } from "/i18n.js";

const PAGE_SIZE = 24;
// Labels are read once, when the module loads: choosing another language reloads the page.
const SIZES = [["320", t("Small (320 px)")], ["800", t("Medium (800 px)")], ["1600", t("Large (1600 px)")]];
const FORMATS = [["jpeg", "JPEG"], ["webp", "WebP"], ["avif", "AVIF"], ["png", "PNG"]];
const EXPIRIES = [["3600", t("1 hour")], ["86400", t("1 day")], ["604800", t("7 days")]];
// A search re-renders the page: the box gets the focus back, the caret at its end.
let typedInSearch = false;

export async function gallery() {
  const query = new URLSearchParams(location.hash.split("?")[1] || "");
  const tool = query.get("tool") || "", starred = query.get("favourites") === "1", search = query.get("search") || "";
  const reload = () => {
    const next = new URLSearchParams();
    if (filter.value) next.set("tool", filter.value);
    if (onlyStarred.checked) next.set("favourites", "1");
    if (searchBox.value.trim()) next.set("search", searchBox.value.trim());
    location.hash = `#/gallery${next.size ? `?${next}` : ""}`;
  };
  const grid = h("div", { class: "grid gallery", id: "gallery" });
  const more = h("p", { class: "muted", id: "gallery-more", "aria-live": "polite" });
  const filter = h("select", { id: "gallery-tool", "aria-label": t("Tool"), onchange: reload }, h("option", { value: "" }, t("Every tool")));
  const onlyStarred = h("input", { type: "checkbox", id: "gallery-favourites", checked: starred, onchange: reload });
  // Searches the jobs' titles (a photo's file name, a generation's prompt) as one types, after a pause.
  let typing;
  const searchBox = h("input", { type: "search", id: "gallery-search", value: search, maxlength: 100, placeholder: t("File name or prompt"),
    oninput: () => { clearTimeout(typing); typing = setTimeout(() => { typedInSearch = true; reload(); }, 400); } });
  const tools = new Set();
  show(t("Results"), h("div", { class: "toolbar", role: "search" }, h("label", {}, t("Search"), searchBox), h("label", {}, t("Show"), filter),
    h("label", { for: "gallery-favourites", class: "inline" }, onlyStarred, t("Favourites only"))), grid, more);

  let token = "", loading = false, done = false;
  async function nextPage() {
    if (loading || done) return;
    loading = true;
    more.textContent = t("Loading…");
    try {
      const page = await api("GET", `/api/v1/jobs?status=succeeded&page_size=${PAGE_SIZE}${tool ? `&tool=${encodeURIComponent(tool)}` : ""}${starred ? "&favourite=true" : ""}${search ? `&search=${encodeURIComponent(search)}` : ""}${token ? `&page_token=${token}` : ""}`);
      for (const job of page.items) {
        const groups = duplicateGroups(job);
        if (groups) grid.append(duplicatesCard(job, groups));
        else if (job.output_file_ids.length) grid.append(card(job));
        else continue;
        if (!tools.has(job.tool)) { tools.add(job.tool); filter.append(h("option", { value: job.tool }, job.tool)); }
      }
      token = page.next_page_token || "";
      done = !token;
      more.textContent = done ? (grid.children.length ? "" : search ? t("Nothing called “{search}”.", { search }) : t("Nothing yet.")) : "";
      if (done && !grid.children.length && !search) more.append(" ", h("a", { href: "#/upload" }, t("Upload photos")));
    } catch (error) {
      more.textContent = failure(error);
      done = true;
    } finally {
      loading = false;
    }
  }
  filter.value = tool;
  if (typedInSearch) {
    typedInSearch = false;
    searchBox.focus();
    searchBox.setSelectionRange(search.length, search.length);
  }
  if (tool && !tools.has(tool)) { tools.add(tool); filter.append(h("option", { value: tool, selected: true }, tool)); }
  await nextPage();
  // Infinite scroll: the next page loads when the end of the grid comes into view.
  const observer = new IntersectionObserver((entries) => { if (entries.some((entry) => entry.isIntersecting)) nextPage(); });
  observer.observe(more);
  window.addEventListener("hashchange", () => observer.disconnect(), { once: true });
}

/// "Find duplicates": no picture of its own, its groups side by side across the grid's width.
function duplicatesCard(job, groups) {
  return h("article", { class: "card result wide", "data-job": job.id },
    h("p", { class: "caption" }, star(job), " ", h("strong", {}, t("Duplicates")), " · ", dateTime(job.finished_at || job.created_at)),
    duplicatesView(groups));
}

function card(job) {
  const output = job.output_file_ids[0];
  const element = h("article", { class: "card result", "data-job": job.id, "data-file": output });
  const text = ocrText(job);
  // A result deleted since the job finished leaves the gallery when its picture is not found.
  const picture = job.thumbnail_file_ids[0] ? compare(job.input_file_ids[0], job.thumbnail_file_ids[0], () => element.remove()) : null;
  element.append(...[
    picture || h("div", { class: "placeholder" }, t("text result")),
    h("p", { class: "caption" }, star(job), " ", h("strong", {}, job.tool), " · ", dateTime(job.finished_at || job.created_at),
      job.title ? h("span", { class: "title" }, job.title) : null),
    text !== null ? ocrBlock(text) : null,
    downloads(output, Boolean(picture)),
    shareLink(output, Boolean(picture)),
    h("button", { class: "secondary delete", onclick: async () => {
      if (!confirm(t("Delete this result? Links to it stop working."))) return;
      try {
        // The result and its thumbnail, when it has its own.
        for (const id of new Set([output, ...job.thumbnail_file_ids])) await api("DELETE", `/api/v1/files/${id}`);
        element.remove();
        toast(t("Deleted."));
      } catch (error) { toast(failure(error)); }
    } }, t("Delete"))].filter(Boolean));
  return element;
}

/// The result over the original: the slider uncovers the original from the left. The original is
/// fetched only when someone first moves the slider (a grid of originals would be many megabytes).
function compare(beforeID, afterID, gone) {
  const after = h("img", { alt: t("result"), class: "after" });
  const before = h("img", { alt: t("original"), class: "before", hidden: true });
  const slider = h("input", { type: "range", min: 0, max: 100, value: 0, class: "compare-slider", "aria-label": t("Compare with the original") });
  let loaded = false;
  objectURL(`/api/v1/files/${afterID}/content`).then((url) => { after.src = url; }, (error) => {
    if (error.status === 404) gone(); else after.alt = t("result ({reason})", { reason: failure(error) });
  });
  slider.addEventListener("input", async () => {
    if (!loaded && beforeID) {
      loaded = true;
      try { before.src = await objectURL(`/api/v1/files/${beforeID}/content`); } catch { before.alt = t("original (deleted)"); }
    }
    before.hidden = slider.value === "0";
    before.style.clipPath = `inset(0 ${100 - Number(slider.value)}% 0 0)`;
  });
  return h("div", { class: "compare" }, h("div", { class: "frame" }, after, before), slider);
}

/// The card's star: redrawn with the job as the server answers it.
function star(job) {
  const button = favouriteButton(job, (now) => button.replaceWith(star(now)));
  return button;
}

function ocrText(job) {
  if (!job.result) return null;
  try {
    const result = JSON.parse(job.result);
    return typeof result.text === "string" ? result.text : null;
  } catch { return null; }
}

function ocrBlock(text) {
  return h("div", { class: "ocr" }, h("pre", { tabindex: 0, "aria-label": t("Recognised text") }, text || t("(no text found)")),
    h("button", { class: "secondary", onclick: async () => {
      try { await navigator.clipboard.writeText(text); toast(t("Text copied.")); } catch { toast(t("Select the text to copy it.")); }
    } }, t("Copy text")));
}

/// "Download" saves the result as it is; "Download as" makes (or reuses) a transformation link for
/// the chosen size and format: its first use is charged once at the resize price, later ones are free.
function downloads(fileID, isImage) {
  const original = h("button", { class: "secondary download", onclick: async () => {
    try {
      const file = await api("GET", `/api/v1/files/${fileID}`);
      saveAs(await objectURL(`/api/v1/files/${fileID}/content`), file.name);
    } catch (error) { toast(failure(error)); }
  } }, t("Download"));
  if (!isImage) return h("p", { class: "actions" }, original);
  const size = h("select", { "aria-label": t("Size"), class: "download-size" }, ...SIZES.map(([value, label]) => h("option", { value }, label)));
  const format = h("select", { "aria-label": t("Format"), class: "download-format" }, ...FORMATS.map(([value, label]) => h("option", { value }, label)));
  const as = h("button", { class: "secondary download-as", onclick: async () => {
    as.disabled = true;
    try {
      const link = await api("POST", `/api/v1/files/${fileID}/transformations`, { options: `rs:fit:${size.value}:${size.value}/f:${format.value}` });
      const response = await fetch(link.path);
      if (!response.ok) throw new Error((await response.json().catch(() => null))?.error?.message || `the link answered ${response.status}`);
      saveAs(URL.createObjectURL(await response.blob()), `imageswiss-${fileID.slice(0, 8)}-${size.value}.${format.value === "jpeg" ? "jpg" : format.value}`);
    } catch (error) { toast(failure(error)); } finally { as.disabled = false; }
  } }, t("Download as"));
  return h("p", { class: "actions" }, original, " ", size, format, as,
    h("small", { class: "muted" }, " ", t("A new size and format is charged once; again is free.")));
}

/// A link anyone may open until it expires (a signed download link; no account needed): pictures
/// open in the browser, other results download.
function shareLink(fileID, isImage) {
  const expiry = h("select", { "aria-label": t("Link expires after"), class: "share-expiry" }, ...EXPIRIES.map(([value, label]) => h("option", { value }, label)));
  const url = h("input", { readonly: true, class: "share-url", "aria-label": t("Share link"), placeholder: t("no link yet") });
  const make = h("button", { class: "secondary share-link", onclick: async () => {
    try {
      const link = await api("POST", `/api/v1/files/${fileID}/link`, { ttl_seconds: Number(expiry.value), disposition: isImage ? "inline" : "attachment" });
      url.value = new URL(link.url, location.origin).href;
      url.dataset.expires = link.expires_at;
      url.select();
      try { await navigator.clipboard.writeText(url.value); toast(t("Link copied; it works until {time}.", { time: dateTime(link.expires_at) })); } catch { toast(t("Link ready.")); }
    } catch (error) { toast(failure(error)); }
  } }, t("Share link"));
  return h("p", { class: "actions share" }, make, expiry, url);
}
