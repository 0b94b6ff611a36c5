// workerd's stdout and stderr reach the supervisor through FIFOs it reads in batches, every
// BATCH_MS, instead of Node pipes read on every write. Under load workerd prints two journal lines
// per request (runner/logs/journal.ts); waking the supervisor for each cost it about 45 µs of CPU
// per request, a third of what the request itself cost workerd (docs/benchmarks.md). A writer
// that fills the FIFO (64 KiB) waits for the next batch: that bounds how fast a process can print,
// and the journal line written before a tenant's code runs is never lost.
import { spawnSync } from "node:child_process";
import { closeSync, constants, openSync, readSync, unlinkSync } from "node:fs";

export const BATCH_MS = 10;
const CHUNK_BYTES = 64 * 1024;
const buffer = Buffer.alloc(CHUNK_BYTES);
/** Open FIFOs, read by one timer: the reads are non-blocking, so synchronous reads are cheapest. */
/** @type {Set<() => void>} */
const pipes = new Set();
/** @type {NodeJS.Timeout | undefined} */
let timer;

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
  /** @type {() => void} */
  let finish = () => {};
  /** @type {Promise<void>} */
  const ended = new Promise((resolve) => (finish = resolve));

  /** Reads until the FIFO is empty, or to its end (then stops for good). */
  const readBatch = () => {
    for (;;) {
      let bytes;
      try {
        bytes = readSync(readFd, buffer, 0, CHUNK_BYTES, null);
      } catch (error) {
        if (/** @type {NodeJS.ErrnoException} */ (error).code === "EAGAIN") return;
        bytes = 0;
      }
      if (bytes === 0) {
        pipes.delete(readBatch);
        if (pipes.size === 0) timer = void clearInterval(timer);
        closeSync(readFd);
        return finish();
      }
      onChunk(Buffer.from(buffer.subarray(0, bytes)));
    }
  };
  pipes.add(readBatch);
  timer ??= setInterval(() => pipes.forEach((read) => read()), BATCH_MS);

  return {
    writeFd,
    ended,
    /** The child has its copy: from now on the FIFO ends when the child does. */
    handedOver: () => closeSync(writeFd),
    /** Reads now rather than at the next batch (the child exited: its last lines are wanted). */
    readNow: () => pipes.has(readBatch) && readBatch(),
  };
}
