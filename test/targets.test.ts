// Target conversion: the same mistake gets the same message whatever type the targets come in.
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { toTargets } from "../src/nn/input.js";

const thrown = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
};

describe("toTargets", () => {
  it("one label too few reads the same for an Int32Array, a Uint8Array and a number[]", () => {
    const labels = Array.from({ length: 29 }, (_, i) => i % 3);
    const message = "y has 29 labels but x has 30 rows: every input row needs one label";
    for (const y of [Int32Array.from(labels), Uint8Array.from(labels), labels]) {
      const e = thrown(() => toTargets(y, 30, 3, 3));
      expect(e).toBeInstanceOf(InputError);
      expect(e.message).toBe(message);
    }
    expect(thrown(() => toTargets([...labels, 0, 1], 30, 3, 3)).message).toBe("y has 31 labels but x has 30 rows: every input row needs one label");
  });

  it("a Float32Array of the wrong length names both readings: one-hot values or labels", () => {
    expect(thrown(() => toTargets(new Float32Array(29), 30, 3, 3)).message)
      .toBe("y has 29 values; expected 30 rows × 3 outputs = 90, or 30 labels (one per row of x)");
    expect(thrown(() => toTargets(new Float32Array(29), 30, 3, 0)).message).toBe("y has 29 values; expected 30 rows × 3 outputs = 90");
  });

  it("still reads labels as numbers or floats, one-hot rows, and rows given as typed arrays", () => {
    expect(toTargets([2, 0, 1], 3, 3, 3)).toEqual({ kind: "index", labels: Int32Array.of(2, 0, 1), rows: 3 });
    expect(toTargets(Float32Array.of(2, 0, 1), 3, 3, 3)).toEqual({ kind: "index", labels: Int32Array.of(2, 0, 1), rows: 3 });
    const oneHot = toTargets([[0, 1], [1, 0]], 2, 2, 2);
    expect(oneHot).toEqual({ kind: "dense", data: Float32Array.of(0, 1, 1, 0), rows: 2, cols: 2 });
    expect(toTargets([Float32Array.of(0, 1), Float32Array.of(1, 0)], 2, 2, 2)).toEqual(oneHot);
    expect(thrown(() => toTargets([[0, 1]], 2, 2, 2)).message).toBe("y has 1 rows but x has 2: every input row needs one target");
    expect(thrown(() => toTargets([0, 1.5], 2, 2, 2)).message).toBe("y[1] must be an integer class index in 0..1, got 1.5");
  });
});
