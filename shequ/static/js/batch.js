/* Batch actions on a list (registry/residents/_table.html, cases/_table.html): x-data="batchSelect"
   on the form around the table. Row checkboxes carry data-batch-row, the header's "select all on
   this page" carries data-batch-all. Checkboxes are plain inputs, so Tab reaches them and Space
   toggles them; one delegated change handler keeps the count and the header box in step.
   Loaded (deferred) from the page's head block, before Alpine starts. */
(function () {
  "use strict";

  document.addEventListener("alpine:init", function () {
    window.Alpine.data("batchSelect", function () {
      return {
        count: 0,
        init: function () { this.recount(); },
        get none() { return this.count === 0; },
        rows: function () { return Array.prototype.slice.call(this.$root.querySelectorAll("input[data-batch-row]")); },
        changed: function (evt) {
          var el = evt.target;
          if (el instanceof HTMLInputElement && el.hasAttribute("data-batch-all")) {
            this.rows().forEach(function (box) { box.checked = el.checked; });
          }
          this.recount();
        },
        recount: function () {
          var rows = this.rows();
          var checked = rows.filter(function (box) { return box.checked; }).length;
          this.count = checked;
          var all = this.$root.querySelector("input[data-batch-all]");
          if (all) {
            all.checked = rows.length > 0 && checked === rows.length;
            all.indeterminate = checked > 0 && checked < rows.length;
          }
        }
      };
    });
  });
})();
