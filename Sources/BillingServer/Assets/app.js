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

// A form that was sent cannot be sent again by a second click while its request runs; the
// server keeps each form to one effect anyway (its one-time key). Buttons are disabled after the
// event, so the clicked button's own name and value still go with the form.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (event.defaultPrevented || (form.getAttribute("method") || "get").toLowerCase() !== "post") return;
  setTimeout(() => {
    for (const button of form.querySelectorAll("button[type=submit], input[type=submit], button:not([type])")) {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    }
  }, 0);
});

// Back to a page from the browser's cache: its buttons work again.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  for (const button of document.querySelectorAll("button[aria-busy=true], input[aria-busy=true]")) {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
});

// "Print" buttons (the printable invoice): no inline handlers, which the pages' policy forbids.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// The payment form: a method that the chosen kind of payer may not use (bank transfer for
// companies only) is turned off while that payer is chosen; its tag says for whom it is. The
// server refuses the combination anyway, so the form works the same without this.
function offerMethodsForPayer(form) {
  const payer = form.querySelector("select[name=payer]");
  if (!payer) return;
  const option = payer.options[payer.selectedIndex];
  const newKind = form.querySelector("select[name=payer_kind]");
  const kind = payer.value === "new" ? (newKind && newKind.value) : option && option.getAttribute("data-kind");
  const radios = [...form.querySelectorAll("input[name=method][data-payer-kinds]")];
  for (const radio of radios) {
    const kinds = radio.getAttribute("data-payer-kinds").split(" ");
    radio.disabled = Boolean(kind) && !kinds.includes(kind);
    radio.closest("label")?.classList.toggle("method-off", radio.disabled);
  }
  const checked = radios.find((radio) => radio.checked);
  if (checked && checked.disabled) {
    const first = radios.find((radio) => !radio.disabled);
    if (first) first.checked = true;
  }
}
document.addEventListener("change", (event) => {
  if (event.target.matches("select[name=payer], select[name=payer_kind]")) offerMethodsForPayer(event.target.form);
});
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form")) if (form.querySelector("input[name=method][data-payer-kinds]")) offerMethodsForPayer(form);
});

// Lists marked `cards` become a stacked card a row on a phone (app.css); a cell the page did not
// label itself gets its column's heading, so each amount and action says what it is.
document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll("table.cards")) {
    const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, index) => {
        if (!cell.hasAttribute("data-label") && headings[index]) cell.setAttribute("data-label", headings[index]);
      });
    }
  }
});
