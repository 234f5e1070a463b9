import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * What an atomic write stores: text (UTF-8), bytes, or a sequence of byte chunks written one
 * after another — so a large file (a model's weights) can be written from views on the
 * tensors' own storage without first being joined into one buffer.
 */
export type FileData = string | Uint8Array | Iterable<Uint8Array>;

/** One write call's limit: Node refuses single reads and writes over 2 GiB. */
const MAX_WRITE = 1 << 30;

function chunksOf(data: FileData): Iterable<Uint8Array> {
  if (typeof data === "string") return [Buffer.from(data, "utf8")];
  if (data instanceof Uint8Array) return [data];
  return data;
}

/** A fresh name beside `path`: the same directory, so the final rename cannot cross file systems. */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/** Directory fsync makes the rename itself durable; some platforms (Windows) and file systems do not allow it, and there the rename is all we can do. */
function isUnsupportedDirSync(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "EISDIR" || code === "EINVAL" || code === "ENOTSUP" || code === "EPERM";
}

/**
 * Writes `data` to `path` so that `path` holds either its old contents or all of the new
 * ones, never a half-written file, even if the process or the machine dies midway: the data
 * goes to a temporary file in the same directory, is flushed to disk (fsync), and is then
 * renamed over `path`. On failure the temporary file is removed and `path` is untouched.
 */
export async function writeFileAtomic(path: string, data: FileData): Promise<void> {
  const tmp = tempPathFor(path);
  const handle = await open(tmp, "wx");
  try {
    try {
      for (const chunk of chunksOf(data)) {
        for (let off = 0; off < chunk.length; ) off += (await handle.write(chunk, off, Math.min(chunk.length - off, MAX_WRITE))).bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  try {
    const dir = await open(dirname(path), "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (err) {
    if (!isUnsupportedDirSync(err)) throw err;
  }
}

/** writeFileAtomic, synchronously. */
export function writeFileAtomicSync(path: string, data: FileData): void {
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, "wx");
  try {
    try {
      for (const chunk of chunksOf(data)) {
        for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, Math.min(chunk.length - off, MAX_WRITE));
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  try {
    const dir = openSync(dirname(path), "r");
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch (err) {
    if (!isUnsupportedDirSync(err)) throw err;
  }
}
