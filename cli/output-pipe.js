// workerd's stdout and stderr reach the supervisor through FIFOs it reads in batches, every
// BATCH_MS, instead of Node pipes read on every write. Under load workerd prints two journal lines
// per request (runner/logs/journal.ts); waking the supervisor for each cost it about 45 µs of CPU
// per request, a third of what the request itself cost workerd (docs/benchmarks.md). A writer
// that fills the FIFO (64 KiB) waits for the next batch: that bounds how fast a process can print,
// and the journal line written before a tenant's code runs is never lost.
import { spawnSync } from "node:child_process";
import { closeSync, constants, openSync, read, unlinkSync } from "node:fs";

export const BATCH_MS = 10;
const CHUNK_BYTES = 64 * 1024;

/**
 * A FIFO to hand to a child as its stdout or stderr (`writeFd`, closed here by `handedOver`).
 * `ended` settles once every writer is gone and everything written was passed to `onChunk`.
 * @param {string} path  where the FIFO is made; it is unlinked as soon as both ends are open
 * @param {(chunk: Buffer) => void} onChunk
 */
export function openOutputPipe(path, onChunk) {
  const made = spawnSync("mkfifo", ["-m", "600", path], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`could not make the FIFO ${path} for workerd's output: ${made.error?.message ?? made.stderr}`);
  // The read end first, non-blocking: opening a FIFO for writing waits until it has a reader.
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = openSync(path, constants.O_WRONLY);
  unlinkSync(path);
  const buffer = Buffer.alloc(CHUNK_BYTES);
  let reading = false;
  /** @type {() => void} */
  let finish = () => {};
  /** @type {Promise<void>} */
  const ended = new Promise((resolve) => (finish = resolve));

  /** Reads until the FIFO is empty, or to its end (then stops for good). */
  const readBatch = () => {
    if (reading) return;
    reading = true;
    const next = () =>
      read(readFd, buffer, 0, CHUNK_BYTES, null, (error, bytes) => {
        if (error && error.code === "EAGAIN") {
          reading = false;
          return;
        }
        if (error || bytes === 0) {
          clearInterval(timer);
          closeSync(readFd);
          return finish();
        }
        onChunk(Buffer.from(buffer.subarray(0, bytes)));
        next();
      });
    next();
  };
  const timer = setInterval(readBatch, BATCH_MS);

  return {
    writeFd,
    ended,
    /** The child has its copy: from now on the FIFO ends when the child does. */
    handedOver: () => closeSync(writeFd),
    /** Reads now rather than at the next batch (the child exited: its last lines are wanted). */
    readNow: readBatch,
  };
}
