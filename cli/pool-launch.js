// Starts the pool supervisor (pool-main.js) with the public and admin sockets. The sockets are
// opened here and handed over as fds 3 and 4, then closed here: a Node process that keeps a
// listening socket accepts connections on it itself, while the supervisor only passes the fds on
// to workerd (`--socket-fd`). The sockets outlive every workerd process, so a restart or a reload
// never refuses a connection: the kernel queues it for whichever process accepts next.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { listenForChild } from "./net.js";

const MAIN = fileURLToPath(new URL("./pool-main.js", import.meta.url));

/**
 * @param {{ host: string, ports: number[] }} sockets  the public and the admin socket
 * @param {import("./pool-main.js").PoolSettings} settings
 * @param {NodeJS.ProcessEnv} env  workerd's environment (the supervisor passes it on)
 */
export async function launchPool(sockets, settings, env) {
  const listening = await Promise.all(sockets.ports.map((port) => listenForChild(sockets.host, port)));
  const fds = listening.map(({ fd }) => fd);
  // Its own process group: a terminal's Ctrl-C reaches `outpost start`, which stops the pool in order.
  // The data directory on its command line too, so that `ps` shows which host it belongs to.
  const child = spawn(process.execPath, [MAIN, settings.cwd], { env, stdio: ["ignore", "inherit", "inherit", ...fds, "ipc"], detached: true });
  await Promise.all(listening.map(({ server }) => new Promise((resolve) => server.close(resolve))));
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  child.send({ type: "start", settings });

  return {
    exited,
    /** @returns {Promise<boolean>} */
    reload: () =>
      new Promise((resolve) => {
        const onMessage = (/** @type {{ type: string, ok?: boolean }} */ message) => {
          if (message.type !== "reloaded") return;
          child.off("message", onMessage);
          resolve(message.ok === true);
        };
        child.on("message", onMessage);
        child.send({ type: "reload" });
      }),
    /** @returns {Promise<void>} */
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: "stop" });
      else child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
