/* The portfolio's value-versus-feasibility bubble chart (Chart.js, vendored).
   Data comes from <script type="application/json" id="portfolio-chart-data">; no inline script. */
(function () {
  "use strict";

  var COLOURS = {
    taker: "rgba(13, 110, 253, 0.45)",
    shaper: "rgba(25, 135, 84, 0.45)",
    maker: "rgba(214, 51, 132, 0.45)",
    "": "rgba(108, 117, 125, 0.35)"
  };
  var BORDERS = {
    taker: "rgba(13, 110, 253, 0.9)",
    shaper: "rgba(25, 135, 84, 0.9)",
    maker: "rgba(214, 51, 132, 0.9)",
    "": "rgba(108, 117, 125, 0.8)"
  };

  function money(value) {
    if (value === null || value === undefined) { return "not estimated yet"; }
    return Math.round(value).toLocaleString();
  }

  // Draws the rubric's thresholds as dashed lines, splitting the plot into the four quadrants.
  var quadrantLines = {
    id: "quadrantLines",
    afterDatasetsDraw: function (chart, args, options) {
      var x = chart.scales.x, y = chart.scales.y, ctx = chart.ctx, area = chart.chartArea;
      var px = x.getPixelForValue(options.feasibility);
      var py = y.getPixelForValue(options.value);
      ctx.save();
      ctx.strokeStyle = "rgba(33, 37, 41, 0.45)";
      ctx.setLineDash([6, 4]);
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(px, area.top); ctx.lineTo(px, area.bottom);
      ctx.moveTo(area.left, py); ctx.lineTo(area.right, py);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = "rgba(33, 37, 41, 0.55)";
      ctx.font = "12px system-ui, sans-serif";
      ctx.textAlign = "left";
      ctx.fillText("Strategic bets", area.left + 6, area.top + 14);
      ctx.textAlign = "right";
      ctx.fillText("Quick wins", area.right - 6, area.top + 14);
      ctx.fillText("Fill-ins", area.right - 6, area.bottom - 6);
      ctx.textAlign = "left";
      ctx.fillText("Deprioritise", area.left + 6, area.bottom - 6);
      ctx.restore();
    }
  };

  function draw(canvas, data) {
    var groups = {};
    data.points.forEach(function (point) {
      (groups[point.archetype] = groups[point.archetype] || []).push(point);
    });
    var order = Object.keys(data.archetypes).concat([""]);
    var datasets = order.filter(function (key) { return groups[key]; }).map(function (key) {
      return {
        label: key ? data.archetypes[key] : "Archetype not set",
        archetype: key,
        data: groups[key],
        backgroundColor: COLOURS[key] || COLOURS[""],
        borderColor: BORDERS[key] || BORDERS[""],
        borderWidth: 1,
        hoverBorderWidth: 2
      };
    });
    return new window.Chart(canvas, {
      type: "bubble",
      data: { datasets: datasets },
      options: {
        maintainAspectRatio: false,
        animation: false,
        parsing: { xAxisKey: "x", yAxisKey: "y" },
        scales: {
          x: { min: 0, max: 100, title: { display: true, text: "Feasibility" } },
          y: { min: 0, max: 100, title: { display: true, text: "Value" } }
        },
        plugins: {
          quadrantLines: { value: data.value_threshold, feasibility: data.feasibility_threshold },
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                var p = item.raw;
                return [
                  p.reference + " " + p.title,
                  "Priority " + (p.priority === null ? "—" : p.priority) +
                    " · value " + p.y + " · feasibility " + p.x,
                  "Annual cost (P50): " + money(p.annual_cost)
                ];
              }
            }
          }
        },
        onHover: function (event, elements) {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        },
        onClick: function (event, elements, chart) {
          if (!elements.length) { return; }
          var hit = elements[0];
          var point = chart.data.datasets[hit.datasetIndex].data[hit.index];
          window.location.assign(point.url);
        }
      },
      plugins: [quadrantLines]
    });
  }

  function start() {
    var canvas = document.getElementById("portfolio-chart");
    var source = document.getElementById("portfolio-chart-data");
    if (canvas && source && window.Chart) {
      draw(canvas, JSON.parse(source.textContent));
    }
    // Keep shared links short: leave the filters that are not set out of the URL.
    document.querySelectorAll("form[data-drop-empty]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("select, input").forEach(function (field) {
          if (field.name && !field.value) { field.disabled = true; }
        });
      });
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
