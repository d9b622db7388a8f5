// The inbox's live rows. Our own file, no library, served by the gateway under the strict CSP
// (no inline script). The rows are read again when the live stream starts following the desk
// (its "subscribed" event): a ticket opened between the page's render and that moment, or
// while the stream reconnected, would otherwise be missing until the next change. Rows that
// come back as they are stay in place, so a selection or the focus made meanwhile is kept.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "rows" || !event.detail.serverResponse) return;
    var fresh = document.createElement("tbody");
    fresh.innerHTML = event.detail.serverResponse;
    if (fresh.innerHTML === target.innerHTML) event.detail.shouldSwap = false;
  });
})();
