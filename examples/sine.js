// A hidden layer approximates any continuous function: 32 tanh units fit sin(x)
// on [−π, π] from 200 noisy-free samples. Writes a picture of the target, the
// training points and the network's curve.
// Run: node examples/sine.js
import { mlp, sine, lineChartSvg } from "../dist/index.js";
import { QUICK, save } from "./_output.js";

const data = sine({ n: 200, seed: 2 }); // x in [−π, π], targets sin(x)
const model = await mlp([1, 32, 1], { activation: "tanh", output: "linear", seed: 2 });
model.compile({ loss: "meanSquaredError", optimizer: { type: "adam", learningRate: 0.01 } });
const history = await model.fit(data.x, data.targets, { epochs: QUICK ? 150 : 400, batchSize: 32 });

const grid = Float32Array.from({ length: 201 }, (_, i) => -Math.PI + (2 * Math.PI * i) / 200);
const fitted = model.predict(grid);
const worst = Math.max(...Array.from(grid, (v, i) => Math.abs(fitted[i] - Math.sin(v))));
console.log(`mean squared error ${model.evaluate(data.x, data.targets).loss.toExponential(2)} after ${history.epochs} epochs; largest error on a grid ${worst.toFixed(3)}`);
save("sine-fit.svg", lineChartSvg([
  { name: "sin(x)", x: grid, y: grid.map(Math.sin), color: "#bab0ac" },
  { name: "training points", x: data.x, y: data.targets, points: true, color: "#4e79a7" },
  { name: "network (1-32-1, tanh)", x: grid, y: fitted, color: "#e15759", dashed: true },
], { title: "A hidden layer of 32 tanh units fits sin(x)", xLabel: "x", yLabel: "y" }));
model.dispose();
