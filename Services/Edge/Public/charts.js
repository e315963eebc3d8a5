// Charts drawn here as SVG (no library): columns per day, and labelled bars.
import { h } from "/ui.js";
import { t, number } from "/i18n.js";

/// One column per UTC day of the period, oldest first, its height `value` summed over the day's
/// lines; each column's title says the day and the figure (as `format` writes it), and the
/// chart's label the total.
export function dailyChart(title, days, lines, value, id, format = number) {
  const svgNS = "http://www.w3.org/2000/svg";
  const totals = new Map();
  const today = new Date();
  for (let back = days - 1; back >= 0; back--) {
    const day = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - back)).toISOString().slice(0, 10);
    totals.set(day, 0);
  }
  for (const line of lines) if (totals.has(line.day)) totals.set(line.day, totals.get(line.day) + value(line));
  const most = Math.max(1, ...totals.values());
  const sum = [...totals.values()].reduce((a, b) => a + b, 0);
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("viewBox", `0 0 ${days * 10} 100`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("class", "day-chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("{title}: {sum} over {days} days", { title, sum: format(sum), days }));
  [...totals.entries()].forEach(([day, figure], index) => {
    const bar = document.createElementNS(svgNS, "rect");
    const height = figure ? Math.max(2, (figure / most) * 96) : 0;
    bar.setAttribute("x", String(index * 10 + 1));
    bar.setAttribute("width", "8");
    bar.setAttribute("y", String(100 - height));
    bar.setAttribute("height", String(height));
    const tip = document.createElementNS(svgNS, "title");
    tip.textContent = `${day}: ${format(figure)}`;
    bar.append(tip);
    svg.append(bar);
  });
  return h("figure", { id }, h("figcaption", {}, t("{title} ({sum} in all)", { title, sum: format(sum) })), svg);
}

/// One row per entry: its name, a meter against the largest, the figure as `format` writes it.
export function barRows(entries, label, format = number) {
  const most = Math.max(1, ...entries.map(([, value]) => value));
  return entries.map(([name, value]) => h("div", { class: "bar-row" },
    h("span", {}, name), h("meter", { min: 0, max: most, value, "aria-label": `${name}: ${format(value)} ${label}` }), h("span", {}, format(value))));
}
