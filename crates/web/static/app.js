// Switchboard's only script of its own (no inline scripts: the CSP forbids
// them). It hands the CSRF token of the page to every htmx request.
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
  }
});

/* CSV import of users (SPEC A5): a chosen file is read into the text area
   named by its data-fills attribute, where it can be checked and edited
   before it is sent. */
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches("input[type=file][data-fills]")) {
    return;
  }
  var target = document.getElementById(input.getAttribute("data-fills"));
  var file = input.files && input.files[0];
  if (!target || !file) {
    return;
  }
  var reader = new FileReader();
  reader.onload = function () {
    target.value = reader.result;
  };
  reader.readAsText(file);
});

/* Click to call (SPEC U2): a "call back" link of the call log fills the
   Call form in place instead of loading the page again. */
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a[data-dial]");
  var field = document.getElementById("destination");
  if (!link || !field) {
    return;
  }
  event.preventDefault();
  field.value = link.getAttribute("data-dial");
  field.scrollIntoView({ block: "center" });
  field.focus();
});
