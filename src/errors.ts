// Every error wasmlp throws on purpose is a WasmlpError subclass, so callers
// can tell a misuse (fix the call) from a bug (report it). This file imports
// nothing; the errors that carry a training history live in train/errors.ts.

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
