// The page's words in the reader's language: English (the source text, which is also the key) or
// Simplified Chinese (locales/zh-CN.js). The language is the one chosen on the account page, else
// the browser's first; numbers and dates go through Intl in that language. A text missing from a
// catalogue shows in English (WebAppTests check that none is missing).
import zhCN, { errors as zhCNErrors, fields as zhCNFields } from "/locales/zh-CN.js";

const CATALOGUES = { "zh-CN": zhCN };
const ERRORS = { "zh-CN": zhCNErrors };
const FIELDS = { "zh-CN": zhCNFields };
export const LANGUAGES = [["en", "English"], ["zh-CN", "简体中文"]];
const KEY = "imageswiss.language";

function pick() {
  const chosen = localStorage.getItem(KEY);
  if (LANGUAGES.some(([code]) => code === chosen)) return chosen;
  return (navigator.languages || [navigator.language]).some((tag) => /^zh(-|$)/i.test(tag || "")) ? "zh-CN" : "en";
}

export let language = pick();
document.documentElement.lang = language;

/// `text` in the reader's language, `{name}` placeholders filled from `values`.
export function t(text, values = {}) {
  const translated = CATALOGUES[language]?.[text] ?? text;
  return translated.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

// Codes whose English detail names the value at fault (a range, a count): shown after the
// translated sentence, so nothing the server said is lost.
const DETAILED = new Set(["invalid_argument", "invalid_parameter", "invalid_value", "invalid_options", "training_photos", "batch_too_large"]);

/// An edge error (`{code, message, field}`) as a sentence in the reader's language: the catalogue's
/// text for the code, else the server's English message.
export function errorText(code, message, field) {
  const translated = ERRORS[language]?.[code];
  if (!translated) return message;
  return translated + (field ? t(" ({field})", { field: fieldName(field) }) : "") + (DETAILED.has(code) ? t(": {detail}", { detail: message }) : "");
}

/// A field an error names (`current_password`, `parameters.width`, `steps[1].parameters.width`)
/// in the reader's words: a parameter as the checklist names it, a step by its number, any
/// other field from the catalogue's `fields`; the server's name when there is none.
export function fieldName(field) {
  const step = /^steps\[(\d+)\]\.(.+)$/.exec(field);
  if (step) return t("step {number}: {field}", { number: Number(step[1]) + 1, field: fieldName(step[2]) });
  if (field.startsWith("parameters.")) return t(field.slice("parameters.".length).replaceAll("_", " "));
  return FIELDS[language]?.[field] ?? field;
}

/// Chooses the language (kept in this browser; the account keeps it too) and redraws the page.
export function setLanguage(code) {
  localStorage.setItem(KEY, code);
  language = code;
  document.documentElement.lang = code;
}

// One Intl.NumberFormat per language and style, made on first use: tables and lists format
// hundreds of figures, and making a formatter costs far more than using one.
const formatters = new Map();
function formatter(style, options) {
  const name = `${language} ${style}`;
  if (!formatters.has(name)) formatters.set(name, new Intl.NumberFormat(language, options));
  return formatters.get(name);
}

export const number = (value) => formatter("number", {}).format(value);
/// Basis points as a percentage in the reader's language ("12.50%").
export const percent = (basisPoints) =>
  formatter("percent", { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(basisPoints / 10000);
/// Dollars in the reader's language ("$4.99", "US$4.99"); `digits` for prices below a cent.
export const money = (dollars, digits = 2) =>
  formatter(`money ${digits}`, { style: "currency", currency: "USD", minimumFractionDigits: digits, maximumFractionDigits: digits }).format(dollars);
export const dateTime = (value) => new Date(value).toLocaleString(language);
export const date = (value) => new Date(value).toLocaleDateString(language);
export const time = (value) => new Date(value).toLocaleTimeString(language, { hour: "2-digit", minute: "2-digit" });
