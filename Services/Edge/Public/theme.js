// The colour scheme chosen on the account page ("light" or "dark"), or the system's when none is.
// A classic script in <head>, so that no page is painted in the other scheme first.
(() => {
  const chosen = localStorage.getItem("imageswiss.theme");
  if (chosen === "light" || chosen === "dark") document.documentElement.dataset.theme = chosen;
})();
