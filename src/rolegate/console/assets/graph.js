// rolegate console: the access graph. Selecting a node (click, Enter or Space) highlights the
// roles it can reach (green) and who can reach it (brown); selecting it again clears.
// No inline script anywhere (the CSP allows scripts from this origin only).
"use strict";
(function () {
  function closure(start, next) {
    var seen = {}, queue = [start];
    seen[start] = true;
    while (queue.length) {
      var current = queue.shift();
      (next[current] || []).forEach(function (other) {
        if (!seen[other]) { seen[other] = true; queue.push(other); }
      });
    }
    delete seen[start];
    return seen;
  }

  function setUp(svg) {
    var status = document.getElementById("graph-status");
    var edges = Array.prototype.slice.call(svg.querySelectorAll(".edge"));
    var nodes = Array.prototype.slice.call(svg.querySelectorAll(".node"));
    var forward = {}, backward = {}, labels = {};
    edges.forEach(function (e) {
      var from = e.getAttribute("data-from"), to = e.getAttribute("data-to");
      (forward[from] = forward[from] || []).push(to);
      (backward[to] = backward[to] || []).push(from);
    });
    nodes.forEach(function (n) {
      labels[n.getAttribute("data-id")] = n.getAttribute("aria-label").split(":")[0];
    });
    var selected = null;

    function clear() {
      svg.classList.remove("focused");
      nodes.concat(edges).forEach(function (el) {
        el.classList.remove("reach", "reached-by", "selected");
      });
      nodes.forEach(function (n) { n.setAttribute("aria-pressed", "false"); });
    }

    function select(node) {
      clear();
      var id = node.getAttribute("data-id");
      if (selected === id) { selected = null; status.textContent = ""; return; }
      selected = id;
      var reach = closure(id, forward), reachedBy = closure(id, backward);
      svg.classList.add("focused");
      node.classList.add("selected");
      node.setAttribute("aria-pressed", "true");
      nodes.forEach(function (n) {
        var other = n.getAttribute("data-id");
        if (reach[other]) n.classList.add("reach");
        if (reachedBy[other]) n.classList.add("reached-by");
      });
      edges.forEach(function (e) {
        var from = e.getAttribute("data-from"), to = e.getAttribute("data-to");
        if ((from === id || reach[from]) && reach[to]) e.classList.add("reach");
        if ((to === id || reachedBy[to]) && reachedBy[from]) e.classList.add("reached-by");
      });
      var out = Object.keys(reach).map(function (k) { return labels[k]; });
      var into = Object.keys(reachedBy).map(function (k) { return labels[k]; });
      status.textContent = labels[id] + " can reach " + out.length + ": " +
        (out.join(", ") || "nothing") + ". Reached by " + into.length + ": " +
        (into.join(", ") || "no one") + ".";
    }

    nodes.forEach(function (node) {
      node.addEventListener("click", function () { select(node); });
      node.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          select(node);
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var svg = document.getElementById("access-graph");
    if (svg) setUp(svg);
  });
})();
