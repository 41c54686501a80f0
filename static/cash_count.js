// The cash count form's live totals: each row's amount, the count, the difference with the
// book, as the treasurer types (the "Tính" button does the same on the server without JS).
(function () {
  "use strict";
  var table = document.getElementById("denominations");
  if (!table) { return; }
  var sep = table.getAttribute("data-sep") || ".";
  var book = parseInt(document.getElementById("book").getAttribute("data-book"), 10) || 0;
  function vnd(n) {
    var s = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, sep);
    return (n < 0 ? "-" : "") + s + " đ";
  }
  function pieces(text) {
    text = text.trim();
    if (/^\d{1,3}(\.\d{3})+$/.test(text)) { text = text.replace(/\./g, ""); }
    return /^\d{1,7}$/.test(text) ? parseInt(text, 10) : null;
  }
  function update() {
    var total = 0;
    table.querySelectorAll("input.quantity").forEach(function (input) {
      var n = pieces(input.value || "0");
      var cell = input.closest("tr").querySelector(".row-total");
      var amount = n === null ? 0 : n * parseInt(input.getAttribute("data-denomination"), 10);
      cell.textContent = n === null ? "?" : vnd(amount);
      total += amount;
    });
    document.getElementById("counted").textContent = vnd(total);
    var diff = total - book;
    var label = diff > 0 ? table.getAttribute("data-surplus") : diff < 0 ? table.getAttribute("data-shortage") : table.getAttribute("data-equal");
    document.getElementById("difference").textContent = diff === 0 ? label : label + " " + vnd(Math.abs(diff));
  }
  table.addEventListener("input", update);
  update();  // what was typed before the script ran (a slow phone line)
})();
