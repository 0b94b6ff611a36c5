import { createServer } from "node:net";

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A listening socket to hand to a child process as an fd of its stdio (workerd's `--socket-fd`).
 * Close `server` once the children have it: a Node process that keeps a listening socket accepts
 * connections on it itself.
 * @param {string} host
 * @param {number} port  0 for any free one
 * @returns {Promise<{ server: import("node:net").Server, fd: number, port: number }>}
 */
export function listenForChild(host, port) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error) => reject(new Error(`ERR_LISTEN: cannot listen on ${host}:${port}: ${error.message}`)));
    server.listen({ host, port, backlog: 511 }, () => {
      // Node has no public API for a server's fd; its handle has it.
      const fd = /** @type {{ _handle: { fd: number } }} */ (/** @type {unknown} */ (server))._handle.fd;
      resolve({ server, fd, port: /** @type {import("node:net").AddressInfo} */ (server.address()).port });
    });
  });
}

/**
 * Resolves when `url` answers any HTTP response, rejects after `timeoutMs`.
 * @param {string} url
 * @param {number} timeoutMs
 * @param {() => boolean} [gaveUp] stop early, e.g. when the process being waited for exited
 */
export async function waitForHttp(url, timeoutMs, gaveUp = () => false) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch (error) {
      if (gaveUp() || Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
