// The console's keyboard shortcuts (issue 14, part 8). Our own file, no library, loaded by
// every page under the strict CSP (no inline script). The help overlay's words come from the
// page (templates/console/_shortcuts.html.j2), so they follow the agent's language.
//   j / k       next / previous row (or card)      o / Enter  open the current row's ticket
//   x           select the current row for bulk     /          focus the search field
//   g then i    go to the inbox                     ?          show or hide this help
(function () {
  "use strict";
  var current = -1;
  var pendingG = false;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-row]"));
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function mark(index) {
    var all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) {
      row.classList.toggle("current", i === current);
      if (i === current) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    });
    var link = all[current].querySelector("[data-open]");
    (link || all[current]).focus();
    all[current].scrollIntoView({ block: "nearest" });
  }

  function currentRow() {
    var all = rows();
    if (current < 0 || current >= all.length) {
      // After a live refresh the rows are new: find the one that holds the focus.
      current = all.findIndex(function (row) { return row.contains(document.activeElement); });
    }
    return current >= 0 ? all[current] : null;
  }

  function toggleHelp(show) {
    var help = document.getElementById("shortcuts-help");
    if (!help) return;
    var open = show === undefined ? help.hidden : show;
    help.hidden = !open;
    if (open) help.querySelector("[data-close]").focus();
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-close]")) toggleHelp(false);
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") { toggleHelp(false); return; }
    if (typing(event.target)) return;
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      if (key === "i") { event.preventDefault(); window.location.assign("/"); }
      return;
    }
    var row;
    switch (key) {
      case "j": event.preventDefault(); mark(currentRow() ? current + 1 : 0); break;
      case "k": event.preventDefault(); mark(currentRow() ? current - 1 : 0); break;
      case "o":
      case "Enter":
        row = currentRow();
        // Enter on a button or link outside the current row keeps its own meaning.
        if (key === "Enter" && !(row && row.contains(document.activeElement))) break;
        if (row && row.querySelector("[data-open]")) {
          event.preventDefault();
          window.location.assign(row.querySelector("[data-open]").getAttribute("href"));
        }
        break;
      case "x":
        row = currentRow();
        var box = row && row.querySelector("input[type=checkbox]");
        if (box) { event.preventDefault(); box.checked = !box.checked; }
        break;
      case "/":
        var search = document.querySelector("[data-search]");
        if (search) {
          event.preventDefault();
          var box2 = search.closest("details");
          if (box2) box2.open = true;
          search.focus();
        }
        break;
      case "g": pendingG = true; break;
      case "?": event.preventDefault(); toggleHelp(); break;
    }
  });
})();
