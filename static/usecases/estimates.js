// The estimates chart on the case page: P50 one-time and annual cost per archetype, with
// P10-P90 whiskers. Data comes from <script type="application/json" id="estimates-chart-data">;
// the chart is redrawn whenever htmx swaps the estimates panel in.
(function () {
  "use strict";

  var chart = null;

  var whiskers = {
    id: "estimateWhiskers",
    afterDatasetsDraw: function (instance) {
      var ctx = instance.ctx;
      instance.data.datasets.forEach(function (dataset, index) {
        var meta = instance.getDatasetMeta(index);
        var scale = instance.scales.y;
        meta.data.forEach(function (bar, i) {
          var range = dataset.ranges[i];
          if (!range) {
            return;
          }
          var low = scale.getPixelForValue(range.p10);
          var high = scale.getPixelForValue(range.p90);
          ctx.save();
          ctx.strokeStyle = "#212529";
          ctx.lineWidth = 1.5;
          ctx.beginPath();
          ctx.moveTo(bar.x, low);
          ctx.lineTo(bar.x, high);
          ctx.moveTo(bar.x - 6, low);
          ctx.lineTo(bar.x + 6, low);
          ctx.moveTo(bar.x - 6, high);
          ctx.lineTo(bar.x + 6, high);
          ctx.stroke();
          ctx.restore();
        });
      });
    },
  };

  function draw() {
    var source = document.getElementById("estimates-chart-data");
    var canvas = document.getElementById("estimates-chart");
    if (chart) {
      chart.destroy();
      chart = null;
    }
    if (!source || !canvas || typeof Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var p50 = function (row) { return row.p50; };
    chart = new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: "One-time (P50)", data: data.one_time.map(p50), ranges: data.one_time,
            backgroundColor: "rgba(13, 110, 253, 0.7)" },
          { label: "Annual (P50)", data: data.annual.map(p50), ranges: data.annual,
            backgroundColor: "rgba(25, 135, 84, 0.7)" },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        scales: { y: { beginAtZero: true, title: { display: true, text: "USD" } } },
        plugins: { tooltip: { callbacks: { afterLabel: function (item) {
          var range = item.dataset.ranges[item.dataIndex];
          return "P10 " + Math.round(range.p10).toLocaleString() + " - P90 " +
            Math.round(range.p90).toLocaleString();
        } } } },
      },
      plugins: [whiskers],
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "estimates-panel") {
      draw();
    }
  });
})();
