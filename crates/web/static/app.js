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

/* Voicemail (SPEC U3): playing a new message marks it heard on the server
   (the player fetched it from its start); the page shows it at once: no
   badge, one new message fewer, and the button offers "mark as new". */
document.addEventListener("play", function (event) {
  var item = event.target.closest && event.target.closest("li.message-new");
  if (!item) {
    return;
  }
  item.classList.remove("message-new");
  var badge = item.querySelector(".badge-new");
  if (badge) {
    badge.remove();
  }
  var button = item.querySelector("button[data-heard-label]");
  if (button) {
    button.textContent = button.getAttribute("data-heard-label");
    button.removeAttribute("data-heard-label");
    button.form.querySelector("input[name=status]").value = "new";
  }
  var counts = [["count-new", -1], ["count-saved", 1]];
  counts.forEach(function (c) {
    var el = document.getElementById(c[0]);
    if (el) {
      el.textContent = String(Number(el.textContent) + c[1]);
    }
  });
}, true);
