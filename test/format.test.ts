import { describe, expect, it } from "vitest";
import { formatCount, formatDuration, formatEpoch, formatLoss, formatPercent } from "../src/util/format.js";

describe("number formatting", () => {
  it("formatCount groups thousands whatever the locale, and rounds", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(1027)).toBe("1,027");
    expect(formatCount(1234567.6)).toBe("1,234,568");
    expect(formatCount(-12345)).toBe("-12,345");
    expect(formatCount(Infinity)).toBe("Infinity");
  });

  it("formatPercent, formatLoss and formatDuration", () => {
    expect(formatPercent(0.975)).toBe("97.50%");
    expect(formatPercent(1, 1)).toBe("100.0%");
    expect(formatLoss(0.123456)).toBe("0.1235");
    expect(formatDuration(12.34)).toBe("12.3 s");
    expect(formatDuration(245)).toBe("4 min 5 s");
    expect(formatDuration(119.7)).toBe("2 min 0 s");
  });

  it("formatEpoch numbers epochs from 1, aligned, with only the metrics given", () => {
    expect(formatEpoch(0, 3, { loss: 0.5 })).toBe("epoch 1/3  loss 0.5000");
    expect(formatEpoch(2, 10, { loss: 0.25, accuracy: 0.9, valLoss: 0.3, valAccuracy: 0.85 }))
      .toBe("epoch  3/10  loss 0.2500  accuracy 90.00%  val loss 0.3000  val accuracy 85.00%");
    expect(formatEpoch(9, 10, { loss: 1 }, { learningRate: 0.001, seconds: 1.25, samplesPerSecond: 12345.4 }))
      .toBe("epoch 10/10  loss 1.0000  lr 0.00100  1.3 s  12,345 samples/s");
  });
});
