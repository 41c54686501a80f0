// In-kind documents: the goods fields show only when the method is "in_kind", and the value
// (quantity × unit value, exact: the quantity has at most three decimals after a comma) is
// computed as you type into the amount (a receipt) and the value line. The server checks it.
(function () {
  function milli(text) {
    var m = String(text).trim().replace(/\s/g, "").match(/^(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,3}))?$/);
    if (!m) return null;
    return BigInt(m[1].replace(/\./g, "")) * 1000n + BigInt(((m[2] || "") + "000").slice(0, 3));
  }
  function digits(text) { return BigInt(String(text).replace(/[^0-9]/g, "") || "0"); }
  var sep = document.documentElement.lang === "en" ? "," : ".";  // as the server's |vnd
  function grouped(n) { return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, sep); }
  document.querySelectorAll("form").forEach(function (form) {
    var method = form.querySelector("select[name=method]");
    var goods = form.querySelectorAll("[data-in-kind]");
    if (!method || !goods.length) return;
    var money = form.querySelectorAll("[data-money]");
    var qty = form.querySelector("input[name=quantity]");
    var price = form.querySelector("input[name=unit_value]");
    var amount = form.querySelector("input[name=amount]");
    var out = form.querySelector("[data-in-kind-value]");
    function update() {
      var inKind = method.value === "in_kind";
      goods.forEach(function (b) { b.hidden = !inKind; });
      money.forEach(function (b) { b.hidden = inKind; });
      if (!inKind || !out) return;
      var q = milli(qty.value), u = digits(price.value);
      if (q === null || u === 0n || (q * u) % 1000n !== 0n) { out.textContent = "—"; return; }
      var value = (q * u) / 1000n;
      out.textContent = grouped(value) + " đ";
      if (amount) amount.value = grouped(value);
    }
    method.addEventListener("change", update);
    form.addEventListener("input", update);
    update();
  });
})();
