// Option checking shared by the API, the CLI and the data loaders: one suggestion rule for
// misspelt names, ConfigErrors naming the option.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/errors.js";
import { booleanOption, checkKeys, integerOption, nearest } from "../src/util/options.js";

describe("nearest", () => {
  it("suggests the name with the fewest edits, case ignored, at most one edit per three letters", () => {
    expect(nearest("epoch", ["epochs", "batchSize"])).toBe("epochs");
    expect(nearest("optimiser", ["optimizer", "loss"])).toBe("optimizer");
    expect(nearest("trian", ["train", "evaluate", "predict"])).toBe("train"); // a swap is one edit
    expect(nearest("BATCHSIZE", ["batchSize"])).toBe("batchSize");
    expect(nearest("xyz", ["epochs", "loss"])).toBeUndefined();
    expect(nearest("lossy", ["lr", "l2"])).toBeUndefined();
  });

  it("suggests the one name a key of three letters or more abbreviates, and none when several fit", () => {
    expect(nearest("eval", ["train", "evaluate", "predict"])).toBe("evaluate");
    expect(nearest("valid", ["validation-split", "patience"])).toBe("validation-split");
    expect(nearest("beta", ["beta1", "beta2"])).toBe("beta1"); // one edit beats abbreviation
    expect(nearest("vali", ["validation-split", "validationData"])).toBeUndefined();
    expect(nearest("ev", ["evaluate"])).toBeUndefined();
  });
});

describe("checkKeys", () => {
  it("throws a ConfigError naming the unknown key, a suggestion and the known keys", () => {
    expect(() => checkKeys({ epoch: 1 }, ["epochs", "batchSize"], "fit")).toThrow(
      new ConfigError("fit: unknown option 'epoch' (did you mean 'epochs'?); known options: epochs, batchSize"));
    expect(() => checkKeys({ zzz: 1 }, ["epochs"], "fit")).toThrow(/^fit: unknown option 'zzz'; known options: epochs$/);
    expect(() => checkKeys([] as never, ["a"], "f")).toThrow(new ConfigError("f: options must be an object, got an array of length 0"));
    expect(() => checkKeys({ epochs: 1 }, ["epochs"], "fit")).not.toThrow();
    expect(() => checkKeys(undefined, ["epochs"], "fit")).not.toThrow();
  });
});

describe("typed options", () => {
  it("integerOption takes an optional maximum", () => {
    expect(integerOption(5, "n")).toBe(5);
    expect(() => integerOption(0, "n")).toThrow(new ConfigError("n must be an integer ≥ 1, got 0"));
    expect(integerOption(0, "seed", 0, 9)).toBe(0);
    expect(() => integerOption(10, "seed", 0, 9)).toThrow(new ConfigError("seed must be an integer in [0, 9], got 10"));
  });

  it("booleanOption accepts only true and false", () => {
    expect(booleanOption(false, "x")).toBe(false);
    expect(() => booleanOption(1, "x")).toThrow(new ConfigError("x must be true or false, got 1"));
  });
});

describe("booleans in configs", () => {
  it("an sgd optimizer's nesterov must be true or false", async () => {
    const { init, Sequential, dense } = await import("../src/index.js");
    await init();
    const m = new Sequential({ inputs: 2, layers: [dense(2, "softmax")] });
    expect(() => m.compile({ optimizer: { type: "sgd", momentum: 0.9, nesterov: "yes" } as never }))
      .toThrow(new ConfigError("optimizer 'sgd': nesterov must be true or false, got 'yes'"));
    m.compile({ optimizer: { type: "sgd", momentum: 0.9, nesterov: true } });
    m.dispose();
  });
});
