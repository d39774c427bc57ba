// Baton's dashboard: live SLA countdowns and the now page's live part, polled.
// Served as a static file: the Content-Security-Policy allows no inline script.
"use strict";

(function () {
  function span(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var seconds = Math.floor((Math.abs(ms) % 60000) / 1000);
    if (minutes >= 60) {
      return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
    }
    return minutes + " min " + (seconds < 10 ? "0" : "") + seconds + " s";
  }

  function tick() {
    var live = document.getElementById("live");
    if (!live) { return; }
    var left = live.getAttribute("data-left") || "{time}";
    var over = live.getAttribute("data-over") || "-{time}";
    var now = Date.now();
    document.querySelectorAll("time.countdown").forEach(function (el) {
      var due = Date.parse(el.getAttribute("datetime"));
      if (isNaN(due)) { return; }
      var ms = due - now;
      el.textContent = (ms >= 0 ? left : over).replace("{time}", span(ms));
      el.classList.toggle("overdue", ms < 0);
      el.classList.toggle("soon", ms >= 0 && ms < 10 * 60000);
    });
  }

  function refresh() {
    var live = document.getElementById("live");
    if (!live) { return; }
    fetch(live.getAttribute("data-live"), {
      credentials: "same-origin",
      headers: { "Accept": "text/html" },
      redirect: "manual",
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 401) {
        window.location.assign("/login");
        return null;
      }
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html === null || html === undefined) { return; }
      // The server rendered (and escaped) this fragment; no script runs from it (CSP).
      live.innerHTML = html;
      tick();
    }).catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var live = document.getElementById("live");
    tick();
    window.setInterval(tick, 1000);
    if (live) {
      var seconds = parseInt(live.getAttribute("data-poll"), 10) || 5;
      window.setInterval(refresh, seconds * 1000);
    }
  });
})();
