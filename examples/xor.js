// XOR: the smallest problem a single layer cannot solve. Two inputs, one output
// that is 1 when exactly one input is 1. A hidden layer of four tanh units learns it.
// Run: node examples/xor.js
import { mlp, xor, lineChartSvg } from "../dist/index.js";
import { QUICK, save } from "./_output.js";

const data = xor(); // the four corners and their labels
const model = await mlp([2, 4, 1], { activation: "tanh", output: "sigmoid", seed: 3 });
model.compile({ loss: "binaryCrossentropy", optimizer: { type: "adam", learningRate: 0.05 }, metrics: ["accuracy"] });
const history = await model.fit(data.x, data.targets, { epochs: QUICK ? 300 : 500, batchSize: 4 });

const p = model.predict(data.x);
for (let i = 0; i < 4; i++) {
  const [a, b] = [data.x[2 * i], data.x[2 * i + 1]];
  console.log(`${a} xor ${b} = ${data.targets[i]}   network: ${p[i].toFixed(3)} → ${p[i] > 0.5 ? 1 : 0}`);
}
console.log(`accuracy ${(100 * model.evaluate(data.x, data.targets).accuracy).toFixed(0)}% after ${history.epochs} epochs`);
const epochs = history.loss.map((_, i) => i + 1);
save("xor-loss.svg", lineChartSvg([{ name: "loss", x: epochs, y: history.loss }], { title: "XOR: loss per epoch", xLabel: "epoch", yLabel: "binary cross-entropy" }));
model.dispose();
