// The API reference at /api/v1/docs: the OpenAPI document the edge serves, rendered here (no CDN,
// no build step) — operations by tag with their parameters, bodies, answers and authentication.
const root = document.getElementById("docs");
const intro = document.getElementById("docs-intro");
const filter = document.getElementById("docs-filter");

function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") element.className = value; else element.setAttribute(name, value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) element.append(child instanceof Node ? child : String(child));
  return element;
}

/// A schema in a line or a few: `$ref`s by name (linked), objects as their fields, arrays of items.
function schema(node, document, depth = 0) {
  if (!node) return "";
  if (node.$ref) {
    const name = node.$ref.split("/").pop();
    return h("a", { href: `#schema-${name}` }, name);
  }
  if (node.type === "array") return h("span", {}, "[", schema(node.items, document, depth), "]");
  if (node.type === "object" && node.properties && depth < 2) {
    const required = new Set(node.required || []);
    return h("ul", { class: "schema" }, ...Object.entries(node.properties).map(([name, field]) =>
      h("li", {}, h("code", {}, name), required.has(name) ? " (required) " : " ", schema(field, document, depth + 1),
        field.description ? h("span", { class: "muted" }, ` — ${field.description}`) : null)));
  }
  const type = Array.isArray(node.type) ? node.type.join(" | ") : node.type || (node.enum ? "enum" : "value");
  const detail = [node.format, node.enum ? node.enum.join(" | ") : null, node.minimum !== undefined ? `≥ ${node.minimum}` : null,
    node.maximum !== undefined ? `≤ ${node.maximum}` : null, node.maxLength !== undefined ? `≤ ${node.maxLength} chars` : null].filter(Boolean);
  return h("span", {}, h("em", {}, type), detail.length ? ` (${detail.join(", ")})` : "");
}

// Who may call: the security entries are alternatives; each names what it needs ("session",
// "admin" or API key scopes), none meaning any signed-in caller or key.
function who(security) {
  if (security.length === 0) return "no credentials";
  const need = security.map((entry) => entry.bearer || []);
  if (need.length === 1 && need[0].length === 0) return "bearer token or API key";
  if (need.length === 1 && need[0][0] === "session") return "a signed-in session (not an API key)";
  if (need.length === 1 && need[0][0] === "admin") return "an administrator's session";
  return "a session, or an API key with " + need.map((scopes) => scopes.join(" and ")).join(" or ");
}

function operation(path, method, op, document) {
  const open = who(op.security ?? document.security ?? []);
  const parameters = op.parameters || [];
  const body = op.requestBody?.content;
  return h("details", { class: "operation", "data-search": `${method} ${path} ${op.summary || ""} ${op.operationId || ""}`.toLowerCase(), id: op.operationId },
    h("summary", {}, h("code", { class: `method ${method}` }, method.toUpperCase()), " ", h("code", {}, path), " — ", op.summary || ""),
    h("p", { class: "muted" }, `operationId ${op.operationId || "—"} · ${open}`),
    parameters.length ? h("table", {}, h("tr", {}, h("th", {}, "Parameter"), h("th", {}, "In"), h("th", {}, "Schema")),
      ...parameters.map((p) => h("tr", {}, h("td", {}, h("code", {}, p.name), p.required ? " (required)" : ""), h("td", {}, p.in), h("td", {}, schema(p.schema, document))))) : null,
    body ? h("div", {}, h("h4", {}, "Body"), ...Object.entries(body).map(([type, content]) => h("div", {}, h("code", {}, type), " ", schema(content.schema, document)))) : null,
    h("h4", {}, "Answers"),
    h("ul", {}, ...Object.entries(op.responses || {}).map(([code, answer]) => h("li", {}, h("code", {}, code), ` ${answer.description || ""} `,
      ...Object.entries(answer.content || {}).map(([type, content]) => h("span", {}, h("code", {}, type), " ", schema(content.schema, document)))))));
}

async function render() {
  const document_ = await (await fetch("/api/v1/openapi.json")).json();
  intro.textContent = `${document_.info.title} ${document_.info.version}. ${document_.info.description}`;
  const byTag = new Map();
  for (const [path, item] of Object.entries(document_.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operation(path, method, op, document_));
    }
  }
  root.replaceChildren(
    ...[...byTag.keys()].sort().map((tag) => h("section", { id: `tag-${tag}` }, h("h2", {}, tag), ...byTag.get(tag))),
    h("section", { id: "schemas" }, h("h2", {}, "Schemas"), ...Object.entries(document_.components.schemas).map(([name, node]) =>
      h("div", { id: `schema-${name}` }, h("h3", {}, name), schema(node, document_)))));
  root.dataset.operations = root.querySelectorAll("details.operation").length;
}

filter.addEventListener("input", () => {
  const words = filter.value.toLowerCase().trim();
  for (const element of root.querySelectorAll("details.operation")) element.hidden = words !== "" && !element.dataset.search.includes(words);
  // A tag with nothing left to show goes too.
  for (const section of root.querySelectorAll("section[id^=tag-]")) section.hidden = !section.querySelector("details.operation:not([hidden])");
});

render().catch((error) => { intro.textContent = `The API document could not be read: ${error}`; });
