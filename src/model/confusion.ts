// The confusion matrix of a classifier and the per-class scores read from it.
import { InputError } from "../errors.js";

/** Precision, recall and F1 of one class, and how many rows truly belong to it. */
export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** counts[i][j]: rows of true class i predicted as class j. */
export function confusionMatrix(actual: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  if (actual.length !== predicted.length) throw new InputError(`confusionMatrix: ${actual.length} true labels but ${predicted.length} predictions`);
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const p = predicted[i];
    if (!(a >= 0 && a < classes && p >= 0 && p < classes)) throw new InputError(`confusionMatrix: row ${i} has classes ${a}, ${p} outside 0..${classes - 1}`);
    m[a][p]++;
  }
  return m;
}

/** Per-class precision (right among predicted), recall (found among true) and F1; 0 where undefined. */
export function classScores(matrix: number[][]): ClassScores[] {
  return matrix.map((row, k) => {
    const tp = row[k];
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, r) => a + r[k], 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1, support };
  });
}
