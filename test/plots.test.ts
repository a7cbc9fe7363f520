// Confusion matrix and per-class scores against counts done by hand, and the SVG
// pictures: well-formed, escaped, with one element per thing drawn.
import { describe, expect, it } from "vitest";
import {
  classScores, ConfigError, confusionMatrix, confusionMatrixSvg, decisionRegionsSvg, InputError, lineChartSvg, trainingCurvesSvg,
} from "../src/index.js";
import { checkSvg } from "./svg-check.js";

describe("confusionMatrix and classScores", () => {
  it("count true × predicted and derive precision, recall and F1", () => {
    const actual = [0, 0, 0, 1, 1, 2];
    const predicted = [0, 0, 1, 1, 2, 2];
    const m = confusionMatrix(actual, predicted, 3);
    expect(m).toEqual([[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
    const s = classScores(m);
    expect(s[0]).toEqual({ precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
    expect(s[1].precision).toBe(0.5);
    expect(s[1].recall).toBe(0.5);
    expect(s[2]).toMatchObject({ precision: 0.5, recall: 1, support: 1 });
    expect(classScores([[0, 0], [1, 0]])[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
  });

  it("refuses labels out of range and lengths that differ", () => {
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(InputError);
    expect(() => confusionMatrix([0], [0, 1], 3)).toThrow(/1 true labels but 2 predictions/);
  });
});

describe("SVG pictures", () => {
  it("training curves: one line per series, escaped titles", () => {
    const h = { epochs: 3, loss: [1, 0.5, 0.25], accuracy: [0.5, 0.7, 0.9], valLoss: [1.1, 0.6, 0.4], valAccuracy: [0.4, 0.6, 0.8], stoppedEarly: false };
    const text = trainingCurvesSvg(h, { title: "a < b & c" });
    expect(text).toContain("a &lt; b &amp; c");
    expect(checkSvg(text).get("polyline.series")).toBe(4);
    const lossOnly = checkSvg(trainingCurvesSvg({ epochs: 1, loss: [0.3], stoppedEarly: false }));
    expect(lossOnly.get("polyline.series")).toBe(1);
  });

  it("line chart with points, and a confusion matrix with one cell per pair", () => {
    const c = checkSvg(lineChartSvg([{ name: "p", x: [1, 2, 3], y: [3, 1, 2], points: true }, { name: "l", x: [1, 3], y: [0, 1] }]));
    expect(c.get("circle")).toBe(3);
    expect(c.get("polyline.series")).toBe(1);
    const m = checkSvg(confusionMatrixSvg([[5, 1], [0, 4]], ["cat", "dog \"big\""]));
    expect(m.get("rect.cell")).toBe(4);
  });

  it("decision regions: the plane in runs of one class, and every point", () => {
    const model = { predictClasses: (g: Float32Array) => Int32Array.from({ length: g.length / 2 }, (_, i) => (g[2 * i] > 0 ? 1 : 0)) };
    const x = Float32Array.from([-1, -1, 1, 1, -0.5, 0.5]);
    const counts = checkSvg(decisionRegionsSvg(model, x, [0, 1, 0], { resolution: 20 }));
    expect(counts.get("circle")).toBe(3);
    // Two classes split down the middle: two runs per grid row, plus the background and the legend box.
    expect(counts.get("rect")).toBe(20 * 2 + 2);
  });

  it("bad data is an InputError and a bad option a ConfigError, like everywhere else", () => {
    const model = { predictClasses: (g: Float32Array) => new Int32Array(g.length / 2) };
    const x = Float32Array.from([-1, -1, 1, 1, -0.5, 0.5]);
    const cases: [() => unknown, typeof InputError, RegExp][] = [
      [() => decisionRegionsSvg(model, x, [0, 1]), InputError, /^decisionRegionsSvg: x needs 2 values per label, got 6 for 2 labels$/],
      [() => decisionRegionsSvg(model, x, []), InputError, /labels must hold one class per point/],
      [() => decisionRegionsSvg(model, [-1, 1] as never, [0]), InputError, /x must be a Float32Array/],
      [() => decisionRegionsSvg(model, x, [0, 1, 0], { resolution: 0 }), ConfigError, /resolution must be an integer in \[2, 4096\], got 0/],
      [() => decisionRegionsSvg(model, x, [0, 1, 0], { resolutoin: 20 } as never), ConfigError, /unknown option 'resolutoin' \(did you mean 'resolution'\?\)/],
      [() => confusionMatrixSvg([[5, 1], [0, 4]], ["a", "b", "c"]), InputError, /the matrix must be 3 × 3 for 3 classes, got an array of length 2/],
      [() => confusionMatrixSvg([[5, 1], [0]], ["a", "b"]), InputError, /must be 2 × 2 for 2 classes, got an array of length 2 with a row of 1 values/],
      [() => confusionMatrixSvg([], []), InputError, /classes must be a non-empty array of names/],
      [() => confusionMatrixSvg([[1]], ["a"], { cell: -1 }), ConfigError, /cell must be a finite number > 0, got -1/],
      [() => lineChartSvg([{ name: "p", x: [1, 2], y: [1] }]), InputError, /series\[0\] has 2 x values but 1 y values/],
      [() => lineChartSvg([], { width: 0 }), ConfigError, /lineChartSvg: width must be a finite number > 0/],
      [() => trainingCurvesSvg({ epochs: 1, loss: [1], stoppedEarly: false }, { titel: "x" } as never), ConfigError, /unknown option 'titel'/],
    ];
    for (const [call, Class, message] of cases) {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error, String(message)).toBeInstanceOf(Class);
      expect((error as Error).message).toMatch(message);
    }
  });
});
