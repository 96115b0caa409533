// rolegate console: live validation of policy text and the wizard's entity fields.
// No inline script anywhere (the CSP allows scripts from this origin only).
"use strict";
(function () {
  function showFindings(box, result) {
    box.textContent = "";
    if (!result.findings.length) {
      var ok = document.createElement("p");
      ok.className = "ok";
      ok.textContent = "No problems found.";
      box.appendChild(ok);
      return;
    }
    var list = document.createElement("ul");
    result.findings.forEach(function (f) {
      var item = document.createElement("li");
      var where = f.line ? "Line " + f.line + ", column " + f.column + ": " : "";
      item.textContent = where + f.message + (f.detail ? " (" + f.detail + ")" : "");
      item.className = "finding";
      if (f.line) item.setAttribute("data-line", String(f.line));
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function watch(area) {
    var box = document.getElementById("findings");
    var form = area.form;
    if (!box || !form) return;
    var timer = null;
    function check() {
      var body = new URLSearchParams();
      body.set("csrf", form.elements.csrf.value);
      body.set("policy", area.value);
      body.set("kind", area.getAttribute("data-kind") || "trust");
      fetch("/console/validate", { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (result) { showFindings(box, result); });
    }
    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 250);
    });
    check();
  }

  function wizard(form) {
    function update() {
      var chosen = form.querySelector("input[name=entity]:checked");
      form.querySelectorAll(".entity-fields").forEach(function (set) {
        set.hidden = !chosen || set.getAttribute("data-entity") !== chosen.value;
      });
    }
    form.querySelectorAll("input[name=entity]").forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var area = document.getElementById("policy");
    if (area) watch(area);
    var form = document.getElementById("wizard");
    if (form) wizard(form);
  });
})();
