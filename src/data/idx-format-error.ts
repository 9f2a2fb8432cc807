/** Malformed IDX data: says what is wrong, at which byte (`offset`) and, when known, in which file. */
export class IdxFormatError extends Error {
  override readonly name = 'IdxFormatError';

  constructor(
    message: string,
    readonly offset: number,
    readonly file?: string,
    options?: ErrorOptions,
  ) {
    super(file === undefined ? message : `${file}: ${message}`, options);
  }

  /** The same error, its message prefixed with the file it came from. */
  inFile(file: string): IdxFormatError {
    if (this.file !== undefined) return this;
    return new IdxFormatError(this.message, this.offset, file, { cause: this.cause });
  }
}
