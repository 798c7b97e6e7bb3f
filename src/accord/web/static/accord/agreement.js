// Attainment charts of the agreement page. The figures come from the JSON data block
// `attainment-data` (no inline script: the Content-Security-Policy allows 'self' only);
// each <canvas data-series="i"> draws series i, with its objective as a dashed line.
(function () {
  "use strict";
  var COLOURS = { met: "#1a7f37", at_risk: "#d4a017", breached: "#b3261e", no_data: "#8c959f" };

  function draw() {
    var block = document.getElementById("attainment-data");
    if (!block || typeof window.Chart === "undefined") return;
    var series = JSON.parse(block.textContent);
    document.querySelectorAll("canvas[data-series]").forEach(function (canvas) {
      var s = series[Number(canvas.dataset.series)];
      if (!s) return;
      var labels = s.points.map(function (p) { return p.period; });
      var values = s.points.map(function (p) { return p.attainment; });
      var objective = s.points.map(function (p) { return p.objective; });
      var known = values.filter(function (v) { return v !== null; }).concat(objective);
      var low = Math.min.apply(null, known), high = Math.max.apply(null, known);
      var pad = Math.max((high - low) * 0.15, 0.05);
      new window.Chart(canvas, {
        type: "line",
        data: {
          labels: labels,
          datasets: [
            {
              label: "Attainment %",
              data: values,
              borderColor: "#0b5cad",
              backgroundColor: "#0b5cad",
              pointBackgroundColor: s.points.map(function (p) { return COLOURS[p.status] || "#0b5cad"; }),
              pointRadius: 4,
              spanGaps: false,
              tension: 0
            },
            {
              label: "Objective %",
              data: objective,
              borderColor: "#57606a",
              borderDash: [6, 4],
              borderWidth: 1.5,
              pointRadius: 0,
              stepped: true
            }
          ]
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          interaction: { mode: "index", intersect: false },
          scales: {
            y: {
              suggestedMin: Math.max(0, low - pad),
              suggestedMax: Math.min(100, high + pad),
              ticks: { callback: function (v) { return v + " %"; } }
            }
          },
          plugins: {
            legend: { position: "bottom", labels: { boxWidth: 12 } },
            tooltip: {
              callbacks: {
                afterLabel: function (ctx) {
                  return ctx.datasetIndex === 0 ? "status: " + s.points[ctx.dataIndex].status.replace("_", " ") : "";
                }
              }
            }
          }
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
