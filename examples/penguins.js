// A CSV data set: Palmer penguins (test/fixtures/penguins, CC0). The species is
// the label; island and sex are text, so they are one-hot encoded; rows with
// missing cells are dropped; numeric columns are standardised, and that
// preprocessing is saved with the model so it reads raw rows later.
// Run: node examples/penguins.js
import { fileURLToPath } from "node:url";
import { confusionMatrix, confusionMatrixSvg, csvPreprocessing, decodeModel, mlp, parseCsv } from "../dist/index.js";
import { loadCsv } from "../dist/node/files.js";
import { QUICK, save } from "./_output.js";

const path = fileURLToPath(new URL("../test/fixtures/penguins/penguins.csv", import.meta.url));
const data = await loadCsv(path, { label: "species", missing: "drop" });
console.log(`${data.rows} penguins (${data.dropped} with missing cells dropped), ${data.cols} inputs from columns ${data.columns.map((c) => c.name).join(", ")}`);

const model = await mlp([data.cols, 16, data.target.classes.length], { activation: "relu", seed: 1 });
model.compile({ optimizer: { type: "adam", learningRate: 0.01 }, metrics: ["accuracy"] });
model.setPreprocessing(csvPreprocessing(data, "standardize"));
// The file is sorted by species, so hold out every fourth row rather than the last quarter.
const pick = (keep) => {
  const rows = Array.from({ length: data.rows }, (_, i) => i).filter((i) => (i % 4 === 3) === keep);
  return { x: { data: Float32Array.from(rows.flatMap((r) => Array.from(data.x.subarray(r * data.cols, (r + 1) * data.cols)))), rows: rows.length, cols: data.cols },
    labels: Int32Array.from(rows, (r) => data.labels[r]) };
};
const [train, held] = [pick(false), pick(true)];
const history = await model.fit(train.x, train.labels, { epochs: QUICK ? 20 : 60, batchSize: 16, validationData: [held.x, held.labels] });
console.log(`held-out accuracy ${(100 * history.valAccuracy.at(-1)).toFixed(1)}% after ${history.epochs} epochs`);

// The saved model reads raw CSV rows: its preprocessing knows the columns and the class names.
const again = decodeModel(model.save());
const raw = parseCsv("island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n" +
  "Biscoe,47.3,13.8,216,4725,female,2009\nDream,39.2,18.6,190,4250,male,2009\n", { schema: again.preprocessing });
const names = again.preprocessing.target.classes;
console.log(`two new penguins: ${Array.from(again.predictClasses(raw.x), (k) => names[k]).join(", ")}`);
const predicted = again.predictClasses(held.x);
save("penguins-confusion.svg", confusionMatrixSvg(confusionMatrix(held.labels, predicted, names.length), names, { title: "Penguins, held-out rows" }));
model.dispose();
again.dispose();
