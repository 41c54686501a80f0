// Small progressive enhancements; every page works without them.
(function () {
  // Print buttons (inline handlers are blocked by the CSP).
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  // Disable a submit button after the first click (the server is idempotent anyway).
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[data-once]").forEach(function (b) {
        setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  });
  // Donor type-ahead: pick an existing donor or keep typing a new one.
  var input = document.querySelector("[data-donor-search]");
  var list = document.getElementById("donor-suggestions");
  var hidden = document.querySelector("input[name=donor_id]");
  if (!input || !list || !hidden) return;
  var timer = null;
  input.addEventListener("input", function () {
    hidden.value = "";
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (input.value.trim().length < 2) { list.hidden = true; return; }
      fetch("/receipts/donors?q=" + encodeURIComponent(input.value), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (donors) {
          list.innerHTML = "";
          donors.forEach(function (d) {
            var li = document.createElement("li");
            li.textContent = d.name + (d.address ? " — " + d.address : "");
            li.addEventListener("click", function () {
              input.value = d.name; hidden.value = d.id; list.hidden = true;
              var addr = document.querySelector("input[name=payer_address]");
              if (addr && !addr.value) addr.value = d.address;
            });
            list.appendChild(li);
          });
          list.hidden = donors.length === 0;
        });
    }, 200);
  });
})();
// Quota allocation: Σ quotas and headroom update as you type.
(function () {
  var form = document.getElementById("quota-form");
  var target = document.getElementById("target");
  if (!form || !target) return;
  var sumOut = document.getElementById("quota-sum"), headOut = document.getElementById("quota-headroom");
  function digits(v) { return parseInt(String(v).replace(/[^0-9]/g, "") || "0", 10); }
  var group = document.documentElement.lang === "en" ? "," : ".";  // as the server's |vnd
  function show(n) { return (n < 0 ? "-" : "") + Math.abs(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, group) + " đ"; }
  function update() {
    var sum = 0;
    form.querySelectorAll("input[data-quota]").forEach(function (i) { sum += digits(i.value); });
    var head = sum - digits(target.dataset.target);
    sumOut.textContent = show(sum);
    headOut.textContent = (head > 0 ? "+" : "") + show(head);
  }
  form.addEventListener("input", update);
  update();
})();
// Background jobs: the progress bar follows the job (GET …/progress.json); when it ends, the
// page reloads to show the download or the error.
(function () {
  var jobs = document.querySelectorAll("[data-progress]");
  if (!jobs.length) return;
  function poll() {
    var pending = 0;
    jobs.forEach(function (box) {
      if (box.dataset.ended) return;
      pending += 1;
      fetch(box.dataset.progress, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) return;
          var bar = box.querySelector("[data-job-bar]");
          bar.max = p.total || 1; bar.value = p.total ? p.done : 0;
          bar.textContent = p.done + "/" + p.total;
          box.querySelector("[data-job-status]").textContent = p.status_label;
          box.querySelector("[data-job-step]").textContent =
            p.step ? p.step + " (" + p.done + "/" + p.total + ")" : "";
          if (p.ended) { box.dataset.ended = "1"; window.location.reload(); }
        });
    });
    if (pending) setTimeout(poll, 1500);
  }
  setTimeout(poll, 1000);
})();
