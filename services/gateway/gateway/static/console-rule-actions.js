// The rule editor's actions form (issue 14, part 5). Our own file, no library, under the
// strict CSP. Choosing an action type shows that type's fields; "Add an action" appends a row
// from the page's <template> (named with the next free number, so rows keep their order);
// "Remove" takes a row away. Typing in the rows chooses the form, typing in the JSON chooses
// the JSON, so what is sent is what was last written.
(function () {
  "use strict";
  var box = document.getElementById("rule-actions");
  if (!box) return;
  var list = document.getElementById("action-rows");
  var template = document.getElementById("action-row-template");
  var add = document.getElementById("add-action");
  var json = document.getElementById("rule-then");

  function choose(mode) {
    var radio = box.querySelector('input[name="then_mode"][value="' + mode + '"]');
    if (radio) radio.checked = true;
  }

  function renumber() {
    list.querySelectorAll("[data-action-row]").forEach(function (row, i) {
      row.querySelectorAll("[data-action-number]").forEach(function (span) {
        span.textContent = String(i + 1);
      });
    });
  }

  function show(row) {
    var chosen = row.querySelector("[data-action-type]").value;
    row.querySelectorAll("[data-action-fields]").forEach(function (fields) {
      fields.hidden = fields.getAttribute("data-action-fields") !== chosen;
    });
  }

  function nextNumber() {
    var highest = -1;
    list.querySelectorAll("[data-action-type]").forEach(function (select) {
      var n = parseInt(select.name.split("-")[1], 10);
      if (n > highest) highest = n;
    });
    return highest + 1;
  }

  function enable(row) {
    row.querySelectorAll("[data-remove-action]").forEach(function (button) { button.hidden = false; });
  }

  add.hidden = false;
  list.querySelectorAll("[data-action-row]").forEach(enable);

  add.addEventListener("click", function () {
    var n = String(nextNumber());
    var html = template.innerHTML.replace(/__N__/g, n);
    list.insertAdjacentHTML("beforeend", html);
    var row = list.lastElementChild;
    enable(row);
    renumber();
    choose("form");
    row.querySelector("[data-action-type]").focus();
  });

  list.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-action]");
    if (!button) return;
    button.closest("[data-action-row]").remove();
    renumber();
    choose("form");
    add.focus();
  });

  list.addEventListener("change", function (event) {
    if (event.target.matches("[data-action-type]")) show(event.target.closest("[data-action-row]"));
    choose("form");
  });
  list.addEventListener("input", function () { choose("form"); });
  json.addEventListener("input", function () { choose("json"); });
})();
