// fit({ verbose: true }): one line per epoch, in the same words as the command line.
import { formatEpoch } from "../util/format.js";
import type { Callback } from "./callback.js";
import type { EpochLogs } from "./training.js";

/** Prints one line per completed epoch. */
export class VerboseProgress implements Callback {
  constructor(private readonly epochs: number, private readonly print: (line: string) => void = console.log) {}

  onEpochEnd(epoch: number, logs: EpochLogs): void {
    this.print(formatEpoch(epoch, this.epochs, logs));
  }
}
