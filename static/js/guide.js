// Print pages of the 办事指南: the 打印 button (the CSP keeps scripts out of the markup).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
