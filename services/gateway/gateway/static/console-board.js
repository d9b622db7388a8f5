// The kanban's drag and drop (issue 14, part 2). Our own file, no library, served by the
// gateway under the strict CSP (no inline script). A card dropped on another column posts the
// card's own move form (the keyboard's way, which stays) with that column's status; the
// answer is the board as the server renders it, swapped in place. A refusal (409: the
// transition is not allowed) puts the card back where it was and says why on the card.
(function () {
  "use strict";
  var dragged = null;

  function columnOf(node) {
    return node && node.closest ? node.closest("section.column[data-status]") : null;
  }

  function clearTargets() {
    document.querySelectorAll(".column.drop-target").forEach(function (column) {
      column.classList.remove("drop-target");
    });
  }

  function focusCard(ref) {
    var card = document.querySelector('li.card[data-ref="' + CSS.escape(ref) + '"]');
    var link = card && card.querySelector("[data-open]");
    if (link) link.focus();
  }

  function sayOnCard(card, text) {
    var old = card.querySelector(".card-error");
    if (old) old.remove();
    var said = document.createElement("p");
    said.className = "error card-error";
    said.setAttribute("role", "alert");
    said.textContent = text;
    card.insertBefore(said, card.querySelector("form.move"));
  }

  function refusalIn(html) {
    // The server's own words: the board page it answered with holds them in its alert.
    var found = new DOMParser().parseFromString(html, "text/html").querySelector("#main .error[role=alert]");
    return found ? found.textContent.trim() : "";
  }

  function move(card, column) {
    var form = card.querySelector("form.move");
    var board = document.getElementById("board");
    var home = card.parentNode;
    var next = card.nextSibling;
    // Urlencoded, as the form itself would post (the console reads no multipart).
    var data = new URLSearchParams(new FormData(form));
    data.set("status", column.dataset.status);
    column.querySelector("ul").appendChild(card);  // shown where it was dropped while we ask
    card.setAttribute("aria-busy", "true");
    function putBack(text) {
      home.insertBefore(card, next);
      card.removeAttribute("aria-busy");
      sayOnCard(card, text || board.dataset.failed);
      focusCard(card.dataset.ref);
    }
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (html) {
          if (!response.ok) return putBack(refusalIn(html));
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
          if (!fresh) return putBack("");
          document.getElementById("main").innerHTML = fresh.innerHTML;
          focusCard(card.dataset.ref);
        });
      })
      .catch(function () { putBack(""); });
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest("li.card[data-ref]") : null;
    if (!card) return;
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.ref);
    card.classList.add("dragging");
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    clearTargets();
  });

  document.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !column) return;
    event.preventDefault();  // this column takes the drop
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("drop-target")) {
      clearTargets();
      column.classList.add("drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    var card = dragged;
    clearTargets();
    if (!card || !column) return;
    event.preventDefault();
    if (columnOf(card) === column) return;  // dropped where it already is: nothing to change
    move(card, column);
  });
})();
