/* shequ: the staff pages' behaviours. Loaded (deferred) before Alpine, so the components below are
   registered when Alpine starts.

   The Content-Security-Policy allows scripts from this site only: no inline <script>, no onclick=""
   handlers, no eval (docs/security.md). Alpine is its CSP build: an x-data names a component
   registered here with Alpine.data, and the templates' expressions stay simple (a property, a
   method call with literal arguments); the logic lives in these functions. Page data comes in
   through data- attributes or a json_script block, never as JavaScript written by a template. */
(function () {
  "use strict";

  document.addEventListener("alpine:init", function () {
    var Alpine = window.Alpine;

    /* base.html: on a phone the sidebar is hidden; the menu button opens it, Escape or a click
       outside closes it. */
    Alpine.data("layout", function () {
      return {
        menu: false,
        toggleMenu: function () { this.menu = !this.menu; },
        closeMenu: function () { this.menu = false; },
        get sidebarClass() { return { open: this.menu }; }
      };
    });

    /* A revealed ID/phone number (data-seconds): count down, then put the masked text back and
       forget the plaintext. */
    Alpine.data("revealed", function () {
      return {
        left: 0,
        expired: false,
        timer: null,
        init: function () {
          var self = this;
          this.left = parseInt(this.$el.getAttribute("data-seconds"), 10) || 0;
          this.timer = setInterval(function () {
            self.left -= 1;
            if (self.left <= 0) { self.hide(); }
          }, 1000);
        },
        get counting() { return !this.expired; },
        hide: function () {
          clearInterval(this.timer);
          this.$root.querySelectorAll("[data-masked]").forEach(function (el) {
            el.textContent = el.getAttribute("data-masked");
            el.classList.remove("revealed");
          });
          this.expired = true;
          this.left = 0;
        },
        destroy: function () { clearInterval(this.timer); }
      };
    });

    /* The masked numbers with the reveal form folded away until asked for (data-asking: open
       already, when the form came back with errors). */
    Alpine.data("revealAsk", function () {
      return {
        asking: false,
        init: function () { this.asking = this.$el.hasAttribute("data-asking"); },
        get idle() { return !this.asking; },
        ask: function () {
          var self = this;
          this.asking = true;
          this.$nextTick(function () { self.$refs.purpose.focus(); });
        },
        cancel: function () { this.asking = false; }
      };
    });

    /* Tabs that keep the open tab in the URL (?tab=...), so a reload or a shared link opens it. */
    Alpine.data("tabs", function () {
      return {
        tab: "",
        init: function () { this.tab = this.$el.getAttribute("data-tab") || ""; },
        isTab: function (name) { return this.tab === name; },
        tabClass: function (name) { return { active: this.tab === name }; },
        go: function (name) {
          this.tab = name;
          var url = new URL(window.location.href);
          url.searchParams.set("tab", name);
          window.history.replaceState(null, "", url);
        }
      };
    });

    /* A part of the page shown and hidden by a button (data-open: shown at first). */
    Alpine.data("disclosure", function () {
      return {
        open: false,
        init: function () { this.open = this.$el.hasAttribute("data-open"); },
        toggle: function () { this.open = !this.open; },
        close: function () { this.open = false; }
      };
    });

    /* Case figures: choosing a named period shows it at once; "custom" first asks for the dates. */
    Alpine.data("periodFilter", function () {
      return {
        period: "",
        init: function () { this.period = this.$el.getAttribute("data-period") || ""; },
        get custom() { return this.period === "custom"; },
        periodChanged: function () {
          if (this.period !== "custom") { this.$root.requestSubmit(); }
        }
      };
    });

    /* places/_picker.html: a community, grid or micro-grid found by typing (the results come from
       the place search as HTML, through htmx). Picking one puts its id in the hidden input, which
       carries the list filter's usual GET parameter, and sends the filter form (data-autosubmit;
       in a create or edit form the picker only fills the field). */
    Alpine.data("placePicker", function () {
      return {
        shown: false,
        value: "",
        init: function () { this.value = this.$refs.value.value; },
        get hasValue() { return this.value !== ""; },
        open: function () { this.shown = true; },
        close: function () {
          this.shown = false;
          this.$refs.query.value = this.$refs.query.getAttribute("data-picked") || "";
        },
        /* Typing in the search box is not a change of the filter: keep it from the form. */
        keep: function (evt) { evt.stopPropagation(); },
        choose: function (id, label) {
          this.value = id;
          this.$refs.value.value = id;
          this.$refs.query.value = label;
          this.$refs.query.setAttribute("data-picked", label);
          this.shown = false;
          var form = this.$refs.value.form;
          /* A list filter (data-autosubmit) applies the pick at once; an entry form waits for Save. */
          if (form && this.$root.hasAttribute("data-autosubmit") && !form.hasAttribute("data-picker-stay")) {
            form.requestSubmit();
          }
        },
        pick: function (el) { this.choose(el.getAttribute("data-id"), el.getAttribute("data-label")); },
        clear: function () { this.choose("", ""); }
      };
    });

    /* The floor chart: the room whose residents are shown beside it is marked. */
    Alpine.data("roomPicker", function () {
      return {
        selected: null,
        select: function (pk) { this.selected = pk; },
        roomClass: function (pk) { return { selected: this.selected === pk }; }
      };
    });

    /* The working calendar: a click on a day fills the form beside it with that date and the
       kind it would usually change to (a weekend or make-up day becomes a working day). */
    Alpine.data("calendarPicker", function () {
      return {
        pick: function (cell) {
          var date = document.getElementById("id_date");
          if (!date) { return; }
          date.value = cell.getAttribute("data-date");
          var kind = document.getElementById("id_kind");
          var css = cell.getAttribute("data-css");
          if (kind) { kind.value = css === "weekend" || css === "workday" ? "workday" : "holiday"; }
          var name = document.getElementById("id_name");
          if (name) { name.focus(); }
        }
      };
    });
  });

  /* What used to be inline handlers, as data- attributes (delegated, so HTMX-swapped content works):
     <select data-autosubmit> sends its form when changed; <form data-confirm="..."> asks first;
     <input data-select-all> selects its text when clicked (a key to copy). */
  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) { el.form.submit(); }
  });
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("click", function (evt) {
    var el = evt.target;
    if (el instanceof HTMLInputElement && el.hasAttribute("data-select-all")) { el.select(); }
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

  /* Charts: any element with data-chart holds an ECharts option as JSON in a json_script block
     named by the attribute. Pages that have charts load echarts.min.js; they start by themselves. */
  window.shequCharts = function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var src = document.getElementById(el.getAttribute("data-chart"));
      if (!src || el.hasAttribute("data-drawn")) { return; }
      el.setAttribute("data-drawn", "1");
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
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", window.shequCharts);
  } else {
    window.shequCharts();
  }
})();
