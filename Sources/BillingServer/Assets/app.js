// As little JavaScript as the pages need: every page works without it.
document.addEventListener("click", (event) => {
  // Close an open user menu when clicking elsewhere.
  for (const menu of document.querySelectorAll("details.user-menu[open]")) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  }
});

// Forms that destroy something (deleting a service) ask first; the text comes from the page.
document.addEventListener("submit", (event) => {
  const question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});

// "Copy" buttons next to read-only fields (pay links).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.getAttribute("data-copy"));
  if (!field) return;
  field.select();
  if (navigator.clipboard) navigator.clipboard.writeText(field.value);
});
