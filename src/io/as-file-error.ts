// A file's content reaches the model through the same checks as a user's call,
// which throw ConfigError or InputError; for a file, the file is what is wrong.
import { CoreError, ModelFileError, WasmlpError } from "../errors.js";

/** Runs `f`, turning a config or input error about a file's content into a ModelFileError naming `where`. */
export function asFileError<T>(f: () => T, where: string): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof WasmlpError && !(e instanceof ModelFileError) && !(e instanceof CoreError)) {
      throw new ModelFileError(`${where}: ${e.message}`);
    }
    throw e;
  }
}
