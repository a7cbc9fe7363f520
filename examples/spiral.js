// The main demo: a three-class spiral that no straight line can separate,
// solved by one hidden layer of ReLU units. Run with `npm start` (or node examples/spiral.js).
// Writes a picture of each network's decision regions (spiral-linear.svg, spiral-hidden.svg).

import { decisionRegionsSvg, mlp, spiral } from "../dist/index.js";
import { save } from "./_output.js";

const data = spiral({ pointsPerClass: 100, classes: 3, noise: 0.2, seed: 1 });
console.log(`spiral: ${data.rows} points in ${data.classes} classes`);

for (const [label, sizes, file] of [["no hidden layer (linear classifier)", [2, 3], "spiral-linear.svg"], ["one hidden layer of 100 ReLU units", [2, 100, 3], "spiral-hidden.svg"]]) {
  const model = await mlp(sizes, { activation: "relu", seed: 1 });
  model.compile({ optimizer: { type: "adam", learningRate: 0.02 }, metrics: ["accuracy"], l2: 1e-4 });
  console.log(`\n${label}: ${model.parameterCount} parameters`);
  const history = await model.fit(data.x, data.labels, {
    epochs: 300, batchSize: 300,
    callbacks: {
      onEpochEnd(epoch, logs) {
        if ((epoch + 1) % 50 === 0) console.log(`  epoch ${epoch + 1}/300  loss ${logs.loss.toFixed(4)}  accuracy ${(100 * logs.accuracy).toFixed(1)}%`);
      },
    },
  });
  const { accuracy } = model.evaluate(data.x, data.labels);
  console.log(`  final training accuracy: ${(100 * accuracy).toFixed(1)}% after ${history.epochs} epochs`);
  console.log(decisionMap(model, data));
  save(file, decisionRegionsSvg(model, data.x, data.labels, { title: `${label}: ${(100 * accuracy).toFixed(1)}% correct` }));
  model.dispose();
}

/** The plane as text: each cell shows the predicted class, data points in capitals. */
function decisionMap(model, data, width = 64, height = 24) {
  const grid = new Float32Array(width * height * 2);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      grid[2 * (r * width + c)] = -1 + (2 * c + 1) / width;
      grid[2 * (r * width + c) + 1] = 1 - (2 * r + 1) / height;
    }
  }
  const classes = model.predictClasses(grid);
  const cells = Array.from(classes, (k) => ".-:"[k]);
  for (let i = 0; i < data.rows; i++) {
    const c = Math.floor(((data.x[2 * i] + 1) / 2) * width);
    const r = Math.floor(((1 - data.x[2 * i + 1]) / 2) * height);
    if (c >= 0 && c < width && r >= 0 && r < height) cells[r * width + c] = "ABC"[data.labels[i]];
  }
  const lines = [];
  for (let r = 0; r < height; r++) lines.push("  " + cells.slice(r * width, (r + 1) * width).join(""));
  return lines.join("\n");
}
