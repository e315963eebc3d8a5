// Duplicate groups ("Find duplicates" puts {"groups": [[file id, …], …]} in its job's result): each
// group's pictures side by side with their names, so one can see which to keep and delete the rest.
import { api, objectURL } from "/api.js";
import { h, toast, failure } from "/ui.js";
import { t } from "/i18n.js";

/// The job's groups of near-identical pictures, or null for a job of another kind.
export function duplicateGroups(job) {
  try {
    const groups = JSON.parse(job.result || "null")?.groups;
    return Array.isArray(groups) ? groups : null;
  } catch { return null; }
}

/// The groups drawn side by side; "No duplicates" when there were none.
export function duplicatesView(groups) {
  if (!groups.length) return h("p", { class: "muted duplicates-none" }, t("No duplicates among these pictures."));
  return h("div", { class: "duplicates" }, ...groups.map((group, index) =>
    h("section", { class: "duplicate-group", "aria-label": t("Duplicates, group {n}", { n: index + 1 }) },
      h("h3", {}, t("{count} alike", { count: group.length })),
      h("div", { class: "side-by-side" }, ...group.map(picture)))));
}

function picture(id) {
  const image = h("img", { alt: "" });
  const caption = h("figcaption", {}, "…");
  const figure = h("figure", { "data-file": id }, image, caption);
  api("GET", `/api/v1/files/${id}`).then(async (file) => {
    image.alt = file.name;
    caption.replaceChildren(h("span", { class: "name" }, file.name), ` ${file.width}×${file.height}`,
      h("button", { class: "secondary delete", onclick: async () => {
        if (!confirm(t("Delete {name}?", { name: file.name }))) return;
        try {
          await api("DELETE", `/api/v1/files/${id}`);
          figure.classList.add("deleted");
          caption.replaceChildren(t("{name}: deleted", { name: file.name }));
        } catch (error) { toast(failure(error)); }
      } }, t("Delete")));
    image.src = await objectURL(`/api/v1/files/${id}/content`);
  }, (error) => {
    caption.textContent = error.status === 404 ? t("deleted") : failure(error);
    figure.classList.add("deleted");
  });
  return figure;
}
