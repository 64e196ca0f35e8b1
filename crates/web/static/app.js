// Switchboard's only script of its own (no inline scripts: the CSP forbids
// them). It hands the CSRF token of the page to every htmx request.
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
  }
});
