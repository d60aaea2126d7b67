// breachmail dashboard: progressive enhancement only (every page works without it).
// The campaign's counts follow its server-sent events while the page is open.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var live = document.getElementById("live");
  if (!live || !window.EventSource) { return; }
  var status = live.querySelector("[data-live-status]");
  var source = new EventSource(live.getAttribute("data-events"));
  // Every count shown follows the event: a state nobody is in any more shows 0.
  function setStates(states) {
    states = states || {};
    Array.prototype.forEach.call(live.querySelectorAll("[data-count]"), function (cell) {
      cell.textContent = String(states[cell.getAttribute("data-count")] || 0);
    });
  }
  source.addEventListener("progress", function (event) {
    var d = JSON.parse(event.data);
    live.setAttribute("data-state", "running");
    if (status) { status.textContent = "submitted " + d.submitted + " · deferred " + d.deferred + " · failed " + d.failed_permanent; }
  });
  source.addEventListener("paused", function (event) {
    var d = JSON.parse(event.data);
    if (status) { status.textContent = "relay paused until " + d.until; }
  });
  source.addEventListener("finished", function (event) {
    var d = JSON.parse(event.data);
    setStates(d.states);
    live.setAttribute("data-state", "finished");
    source.close();
  });
  source.addEventListener("idle", function (event) {
    setStates(JSON.parse(event.data).states);
    live.setAttribute("data-state", "idle");
    source.close();
  });
});
