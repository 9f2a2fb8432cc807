/** A malformed checkpoint, or one that does not fit the model: says what is wrong and, when known, in which tensor and file. */
export class CheckpointFormatError extends Error {
  override readonly name = 'CheckpointFormatError';
  /** The file, when read from one. */
  readonly file?: string;

  constructor(
    /** What is wrong. */
    readonly problem: string,
    /** The tensor (or `__metadata__` entry) at fault, when there is one. */
    readonly tensor?: string,
    options?: ErrorOptions & { file?: string },
  ) {
    super([options?.file, tensor, problem].filter((part) => part !== undefined).join(': '), options);
    if (options?.file !== undefined) this.file = options.file;
  }
}

/** `check()`'s result; its TypeError or RangeError (what src/check.ts throws) as a CheckpointFormatError about `tensor`. */
export function formatErrorsOf<T>(tensor: string, check: () => T, prefix = ''): T {
  try {
    return check();
  } catch (cause) {
    if (!(cause instanceof TypeError || cause instanceof RangeError)) throw cause;
    throw new CheckpointFormatError(prefix + cause.message, tensor, { cause });
  }
}
