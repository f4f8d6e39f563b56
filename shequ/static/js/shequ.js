/* shequ: small behaviours for Alpine.js and HTMX. Loaded before Alpine so components register in time. */
(function () {
  "use strict";

  document.addEventListener("alpine:init", function () {
    /* A revealed ID/phone number: count down, then put the masked text back and forget the plaintext. */
    window.Alpine.data("revealed", function (seconds) {
      return {
        left: seconds,
        expired: false,
        timer: null,
        init: function () {
          var self = this;
          this.timer = setInterval(function () {
            self.left -= 1;
            if (self.left <= 0) { self.hide(); }
          }, 1000);
        },
        hide: function () {
          clearInterval(this.timer);
          this.$el.querySelectorAll("[data-masked]").forEach(function (el) {
            el.textContent = el.getAttribute("data-masked");
            el.classList.remove("revealed");
          });
          this.expired = true;
          this.left = 0;
        },
        destroy: function () { clearInterval(this.timer); }
      };
    });
  });

  /* HTMX: keep the CSRF header on every request (also set on <body>), show server errors politely. */
  document.addEventListener("htmx:responseError", function (evt) {
    var status = evt.detail.xhr.status;
    var box = document.getElementById("messages");
    if (!box) { return; }
    var text = status === 403 ? "没有权限 / Permission denied" : status === 404 ? "未找到 / Not found" : "出错了，请稍后重试 / Something went wrong";
    box.innerHTML = '<ul class="messages"><li class="msg-error"></li></ul>';
    box.querySelector("li").textContent = text + " (" + status + ")";
  });

  /* Charts: any element with data-chart holds an ECharts option as JSON in a sibling <script>. */
  window.shequCharts = function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var src = document.getElementById(el.getAttribute("data-chart"));
      if (!src) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      var option = JSON.parse(src.textContent);
      if (option.absValues) {  // a pyramid stores one side as negative numbers; show them as counts
        var abs = function (v) { return Math.abs(typeof v === "object" && v !== null ? v.value : v); };
        option.xAxis.axisLabel = { formatter: abs };
        option.tooltip.valueFormatter = abs;
        delete option.absValues;
      }
      chart.setOption(option);
      window.addEventListener("resize", function () { chart.resize(); });
    });
  };
})();
