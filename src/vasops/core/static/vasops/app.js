/* vasops page behaviour. Pages carry no inline script (the Content-Security-Policy allows
   scripts from this site's static files only); each behaviour below starts from markup:
   - data-confirm="…" on a form or a submit button: ask before submitting;
   - #countdown[data-remaining] with #paper-form: the exam paper's countdown from the seconds
     left the server sent, submitted at zero;
   - #sla-chart with #sla-chart-data (json_script): the SLA report's bar chart (Chart.js). */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var message = (button && button.dataset && button.dataset.confirm) || (form.dataset && form.dataset.confirm);
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  function countdown() {
    // Counts down from the seconds left that the server sent (its business clock), measured
    // with the browser's monotonic timer: a wrong PC clock or a moved demo clock cannot skew it.
    var el = document.getElementById("countdown");
    var form = document.getElementById("paper-form");
    if (!el || !form || el.dataset.remaining === undefined || el.dataset.remaining === "") return;
    var total = parseInt(el.dataset.remaining, 10);
    if (isNaN(total)) return;
    var started = window.performance.now();
    function tick() {
      var left = Math.max(0, total - Math.floor((window.performance.now() - started) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      el.textContent = m + ":" + (s < 10 ? "0" : "") + s;
      if (left <= 0) { form.submit(); return; }
      setTimeout(tick, 1000);
    }
    tick();
  }

  function slaChart() {
    var canvas = document.getElementById("sla-chart");
    var source = document.getElementById("sla-chart-data");
    if (!canvas || !source || typeof window.Chart === "undefined") return;
    new window.Chart(canvas, {
      type: "bar",
      data: JSON.parse(source.textContent),
      options: {scales: {y: {beginAtZero: true, max: 100, title: {display: true, text: "%"}}}}
    });
  }

  function start() {
    countdown();
    slaChart();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
