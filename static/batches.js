// Batch entry (nhập theo lô): rows follow the expected count, Enter moves to the next cell
// like Tab, and the running count and total show their difference from the control totals.
(function () {
  var form = document.getElementById("batch-form");
  if (!form) return;
  var entry = document.getElementById("batch-entry");
  var body = document.querySelector("#batch-grid tbody");
  var template = document.getElementById("batch-row");
  var countInput = form.querySelector("[data-batch-count]");
  var totalInput = form.querySelector("[data-batch-total]");
  var post = document.getElementById("batch-post");
  var addRow = document.getElementById("batch-add-row");
  var group = document.documentElement.lang === "en" ? "," : ".";  // as the server's |vnd
  function digits(v) { return parseInt(String(v).replace(/[^0-9]/g, "") || "0", 10); }
  function grouped(n) { return Math.abs(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, group); }
  function money(n) { return (n < 0 ? "-" : "") + grouped(n) + " đ"; }
  function rows() { return body.querySelectorAll("tr"); }
  function add() {
    var n = rows().length + 1;
    var row = template.content.firstElementChild.cloneNode(true);
    row.querySelector(".row-no").textContent = n;
    row.querySelectorAll("input").forEach(function (i) {
      i.setAttribute("aria-label", i.getAttribute("aria-label").replace(/\d+$/, n));
    });
    body.appendChild(row);
    return row;
  }
  function grow() {
    var wanted = Math.min(digits(countInput.value), 500);
    if (wanted > 0) {
      entry.hidden = false; post.hidden = false; addRow.hidden = false;
      while (rows().length < wanted) add();
    }
    update();
  }
  function update() {
    var filled = 0, sum = 0;
    rows().forEach(function (tr) {
      var values = Array.prototype.map.call(tr.querySelectorAll("input"), function (i) { return i.value.trim(); });
      if (values.some(function (v) { return v; })) filled += 1;
      sum += digits(tr.querySelector("input[name=row_amount]").value);
    });
    var expected = digits(countInput.value), total = digits(totalInput.value);
    document.getElementById("batch-filled").textContent = filled;
    document.getElementById("batch-expected-count").textContent = expected;
    document.getElementById("batch-sum").textContent = money(sum);
    var diff = document.getElementById("batch-difference");
    diff.textContent = (sum - total > 0 ? "+" : "") + money(sum - total);
    var off = sum !== total || filled !== expected;
    diff.classList.toggle("error", off);
    document.getElementById("batch-status").classList.toggle("ok", !off);
  }
  function fields() {
    return Array.prototype.filter.call(form.querySelectorAll("input, select"), function (el) {
      return el.type !== "hidden" && !el.closest("[hidden]");
    });
  }
  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || !(target.tagName === "INPUT" || target.tagName === "SELECT")) return;
    event.preventDefault();
    var list = fields(), next = list[list.indexOf(target) + 1];
    if (next) { next.focus(); if (next.select) next.select(); }
    else if (!post.hidden) post.focus();
  });
  addRow.addEventListener("click", function () { add().querySelector("input").focus(); update(); });
  if (rows().length) addRow.hidden = false;
  countInput.addEventListener("input", grow);
  form.addEventListener("input", update);
  grow();
})();
