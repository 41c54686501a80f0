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
  // Donor type-ahead: pick an existing donor with the mouse or the arrow keys and Enter.
  // Enter never submits a half-typed name: it picks the highlighted suggestion, and with no
  // list open it does nothing until a donor is picked or "Người nộp mới" is ticked.
  var input = document.querySelector("[data-donor-search]");
  var list = document.getElementById("donor-suggestions");
  var hidden = document.querySelector("input[name=donor_id]");
  if (!input || !list || !hidden) return;
  var newDonor = document.querySelector("input[name=new_donor]");
  var timer = null, active = -1, shown = [];
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", "donor-suggestions");
  input.setAttribute("aria-expanded", "false");
  function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
  function highlight(i) {
    var items = list.querySelectorAll("li");
    if (!items.length) return;
    active = (i + items.length) % items.length;
    items.forEach(function (li, n) {
      li.classList.toggle("active", n === active);
      li.setAttribute("aria-selected", n === active ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", items[active].id);
  }
  function pick(d) {
    input.value = d.name; hidden.value = d.id; close();
    if (newDonor) newDonor.checked = false;
    var addr = document.querySelector("input[name=payer_address]");
    if (addr && !addr.value) addr.value = d.address;
  }
  input.addEventListener("input", function () {
    hidden.value = "";
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (input.value.trim().length < 2) { close(); return; }
      var asked = input.value;
      fetch("/receipts/donors?q=" + encodeURIComponent(asked), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (donors) {
          if (asked !== input.value) return;  // an older answer: the user typed on
          list.innerHTML = ""; shown = donors;
          donors.forEach(function (d, n) {
            var li = document.createElement("li");
            li.id = "donor-suggestion-" + n;
            li.setAttribute("role", "option");
            li.textContent = d.name + (d.address ? " — " + d.address : "");
            li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(d); });
            list.appendChild(li);
          });
          list.hidden = donors.length === 0;
          input.setAttribute("aria-expanded", donors.length ? "true" : "false");
          if (donors.length) highlight(0);
        });
    }, 150);
  });
  input.addEventListener("keydown", function (e) {
    var open = !list.hidden && shown.length;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (open) { e.preventDefault(); highlight(active + (e.key === "ArrowDown" ? 1 : -1)); }
    } else if (e.key === "Enter") {
      if (open && active >= 0) { e.preventDefault(); pick(shown[active]); }
      else if (!hidden.value && !(newDonor && newDonor.checked)) e.preventDefault();
    } else if (e.key === "Escape" && open) {
      e.preventDefault(); close();
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
})();
// The receipt form: the amount in words, as the voucher will print it, under the amount.
(function () {
  var out = document.getElementById("amount-words");
  var amount = document.querySelector("#receipt-form input[name=amount]");
  if (!out || !amount) return;
  var day = document.querySelector("#receipt-form input[name=receipt_date]");
  var label = out.dataset.label || "";
  var timer = null, asked = "";
  function update() {
    var value = amount.value.trim();
    if (!value) { out.textContent = ""; return; }
    var url = out.dataset.wordsUrl + "?amount=" + encodeURIComponent(value) +
      (day && day.value ? "&date=" + encodeURIComponent(day.value) : "");
    asked = url;
    fetch(url, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {words: ""}; })
      .then(function (w) {
        if (asked !== url) return;  // an older answer
        out.textContent = w.words ? label + " " + w.words : "";
      });
  }
  amount.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 250); });
  if (day) day.addEventListener("change", update);
  // digits typed into the autofocused field before this script ran fired no "input" here
  if (amount.value.trim()) update();
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
