/**
 * A safetensors file (or buffer) that cannot be read or written. The message starts with the
 * file and, where one is to blame, the tensor, so a user knows which file is broken and
 * where; the fields are kept for programs that want to react to them.
 */
export class SafetensorsError extends Error {
  readonly file: string;
  readonly tensor: string | null;

  constructor(file: string, message: string, tensor: string | null = null) {
    super(`${file}: ${tensor === null ? "" : `tensor ${JSON.stringify(tensor)}: `}${message}`);
    this.name = "SafetensorsError";
    this.file = file;
    this.tensor = tensor;
  }
}
