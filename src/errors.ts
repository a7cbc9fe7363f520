// Every error wasmlp throws on purpose is a WasmlpError subclass, so callers
// can tell a misuse (fix the call) from a bug (report it).
import type { History } from "./train/training.js";

/** Base class of all errors thrown by wasmlp. */
export class WasmlpError extends Error {
  constructor(message: string) {
    super(message);
    // Subclasses spell their names out (minifiers rename classes in browser bundles); the class name is the fallback.
    this.name = new.target === WasmlpError ? "WasmlpError" : new.target.name;
  }
}

/** An argument has the wrong shape, type, range or value. */
export class InputError extends WasmlpError {
  override name = "InputError";
}

/** A model, layer or option configuration is invalid or unknown. */
export class ConfigError extends WasmlpError {
  override name = "ConfigError";
}

/** A model was used in a state that does not allow the call (disposed, not compiled, busy). */
export class StateError extends WasmlpError {
  override name = "StateError";
}

/** The WebAssembly core could not be loaded or ran out of memory. */
export class CoreError extends WasmlpError {
  override name = "CoreError";
}

/** A model file is corrupt, hostile, of an unknown version, or does not match its own architecture. */
export class ModelFileError extends WasmlpError {
  override name = "ModelFileError";
}

/** fit() stopped because the loss or the weights became NaN or infinite; the model holds the weights from before. */
export class DivergenceError extends WasmlpError {
  override name = "DivergenceError";
  constructor(message: string,
    /** Epoch (0-based) in which training diverged. */
    readonly epoch: number,
    /** Batch (0-based, within the epoch) whose loss or update was not finite. */
    readonly batch: number,
    /** That batch's loss (NaN or ±Infinity, or finite when the update overflowed). */
    readonly loss: number,
    /** The epoch whose starting weights (and optimizer state) the model was put back to. */
    readonly restoredEpoch: number,
    /** The history of the epochs completed before. */
    readonly history?: History) {
    super(message);
  }
}

/** fit() was stopped by its AbortSignal; `reason` is the signal's reason, and the model holds the last completed batch's weights. */
export class AbortError extends WasmlpError {
  override name = "AbortError";
  constructor(message: string, readonly reason: unknown, readonly history?: History) {
    super(message);
  }
}
