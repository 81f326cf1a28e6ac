// Tierdesk's own few lines of script. Everything works without it; it only adds keyboard
// comfort on the "Log a call" screen and the "g then l" shortcut from anywhere.
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  // "g" then "l" within a second opens "Log a call" (Alt+L is the link's accesskey).
  var lastG = 0;
  document.addEventListener("keydown", function (event) {
    if (event.altKey && !event.ctrlKey && !event.metaKey && (event.key === "l" || event.key === "L")) {
      var link = document.querySelector("a[accesskey='l']");
      if (link) { event.preventDefault(); window.location.href = link.href; }
      return;
    }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "g") { lastG = Date.now(); return; }
    if (event.key === "l" && Date.now() - lastG < 1000) {
      var target = document.querySelector("a[accesskey='l']");
      if (target) window.location.href = target.href;
    }
  });

  // In the caller lookup, Enter searches at once and moves to the first "Pick" button
  // instead of submitting the half-filled call.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !field.matches || !field.matches("input[data-lookup]")) return;
    event.preventDefault();
    var first = document.querySelector("#caller-results button");
    if (first) first.focus();
    else if (window.htmx) window.htmx.trigger(field, "search");
  });

  // After a caller is picked, carry on with the subject.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.elt;
    if (target && target.id === "customer-block" && target.querySelector("input[name=customer]")) {
      var subject = document.getElementById("id_subject");
      if (subject) subject.focus();
    }
  });
})();
