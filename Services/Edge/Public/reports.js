// The admin's reports: the business at a glance (MRR, subscribers, ARPU, churn), revenue per day,
// the tier mix, credits issued and spent, and what AI providers cost against what their runs
// earned — from GET /api/v1/admin/billing/report and GET /api/v1/admin/ai/spend.
import { h, dollars } from "/ui.js";
import { t, number, percent } from "/i18n.js";
import { dailyChart, barRows } from "/charts.js";

const microsToCents = (micros) => Math.round(micros / 10_000);
const count = number;

export function reportsPanel(report, spend) {
  const figures = [
    [t("MRR"), dollars(report.mrr_cents)], [t("Paying subscribers"), count(report.paying_subscribers)],
    [t("Active accounts"), count(report.active_accounts)], [t("ARPU (period)"), dollars(report.arpu_cents)],
    [t("Churn"), `${count(report.churned_subscribers)} (${percent(report.churn_basis_points)})`],
    [t("AI cost (30 days)"), dollars(microsToCents(spend.total_cost_micros))],
    [t("AI revenue (30 days)"), dollars(microsToCents(spend.total_revenue_micros))],
    [t("AI margin (30 days)"), dollars(microsToCents(spend.total_margin_micros))],
  ];
  const issued = Object.entries(report.credits_issued || {}).sort((a, b) => b[1] - a[1]);
  const spent = (report.spent_by_operation || []).map((line) => [line.operation, line.credits_spent]).sort((a, b) => b[1] - a[1]);
  const byProvider = {};
  for (const line of spend.lines) {
    const entry = byProvider[line.provider_id] || (byProvider[line.provider_id] = { cost: 0, margin: 0 });
    entry.cost += line.cost_micros;
    entry.margin += line.margin_micros;
  }
  return h("div", { id: "reports", class: "reports" },
    h("dl", { class: "figures", id: "report-figures" }, ...figures.flatMap(([name, value]) => [h("dt", {}, name), h("dd", {}, value)])),
    dailyChart(t("Revenue per day"), 30, report.revenue, (day) => day.amount_cents, "report-revenue-chart", dollars),
    dailyChart(t("AI provider cost per day"), 30, spend.lines, (line) => microsToCents(line.cost_micros), "report-cost-chart", dollars),
    h("h3", {}, t("Accounts by tier")), ...(Object.keys(report.tier_mix || {}).length
      ? barRows(Object.entries(report.tier_mix).sort((a, b) => b[1] - a[1]), t("accounts"), count)
      : [h("p", { class: "muted" }, t("No accounts yet."))]),
    h("h3", {}, t("Credits issued, by kind")), ...(issued.length ? barRows(issued, t("credits"), count) : [h("p", { class: "muted" }, t("None in the period."))]),
    h("h3", {}, t("Credits spent, by operation")), ...(spent.length ? barRows(spent, t("credits"), count) : [h("p", { class: "muted" }, t("None in the period."))]),
    h("h3", {}, t("AI margin, by provider (30 days)")), ...(Object.keys(byProvider).length
      ? Object.entries(byProvider).map(([provider, entry]) => h("p", { class: "bar-row" }, h("span", {}, provider),
        h("span", {}, t("cost {amount}", { amount: dollars(microsToCents(entry.cost)) })), h("span", { class: entry.margin < 0 ? "error" : "ok" }, t("margin {amount}", { amount: dollars(microsToCents(entry.margin)) }))))
      : [h("p", { class: "muted" }, t("No AI runs in the period."))]),
    report.top_accounts && report.top_accounts.length ? h("details", {}, h("summary", {}, t("Top accounts")),
      h("table", {}, h("tr", {}, h("th", {}, t("Account")), h("th", {}, t("Credits spent")), h("th", {}, t("Paid"))),
        ...report.top_accounts.map((account) => h("tr", {}, h("td", {}, account.account_id), h("td", {}, count(account.credits_spent)), h("td", {}, dollars(account.amount_cents)))))) : null);
}
