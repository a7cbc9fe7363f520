// The main demo: a three-class spiral that no straight line can separate,
// solved by one hidden layer of ReLU units. Run with `npm start`.
import { mlp } from "../dist/index.js";
import { spiral } from "../dist/data/toy.js";

const data = spiral({ pointsPerClass: 100, classes: 3, noise: 0.2, seed: 1 });
console.log(`spiral: ${data.rows} points in ${data.classes} classes`);

for (const [label, sizes] of [["no hidden layer (linear classifier)", [2, 3]], ["one hidden layer of 100 ReLU units", [2, 100, 3]]]) {
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
  model.dispose();
}
