// Starts the pool supervisor (pool-main.js) with the public and admin sockets: one public socket
// per process where SO_REUSEPORT can be had (reuseport.js), else one shared by all. Sockets opened
// here are handed over and then closed here: a Node process that keeps a listening socket accepts
// connections on it itself, while the supervisor only passes the fds on to workerd
// (`--socket-fd`). The sockets outlive every workerd process, so a restart or a reload never
// refuses a connection: the kernel queues it until the process's replacement accepts it.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { listenForChild } from "./net.js";
import { canReusePort, reusePortCommand } from "./reuseport.js";

const MAIN = fileURLToPath(new URL("./pool-main.js", import.meta.url));

/**
 * @param {{ host: string, ports: number[] }} sockets  the public and the admin socket
 * @param {import("./pool-main.js").PoolSettings} settings
 * @param {NodeJS.ProcessEnv} env  workerd's environment (the supervisor passes it on)
 */
export async function launchPool(sockets, settings, env) {
  const [publicPort, adminPort] = sockets.ports;
  if (publicPort === undefined || adminPort === undefined) throw new Error("launchPool: a public and an admin port are needed");
  const [publicSocket, adminSocket] = await Promise.all([listenForChild(sockets.host, publicPort), listenForChild(sockets.host, adminPort)]);
  /** @param {{ server: import("node:net").Server }} socket */
  const close = ({ server }) => new Promise((resolve) => server.close(resolve));
  // Its own process group: a terminal's Ctrl-C reaches `outpost start`, which stops the pool in order.
  // The data directory on its command line too, so that `ps` shows which host it belongs to.
  /** @type {[string, ...string[]]} */
  const supervisor = [process.execPath, MAIN, settings.cwd];
  /** @type {import("node:child_process").ChildProcess} */
  let child;
  if (canReusePort()) {
    // The shared public socket only proved the port free; the wrapper opens one per process (reuseport.js).
    await close(publicSocket);
    const [command, args] = reusePortCommand(sockets.host, publicPort, settings.ports.length, supervisor);
    child = spawn(command, args, { env, stdio: ["ignore", "inherit", "inherit", adminSocket.fd, "ipc"], detached: true });
  } else {
    const [command, ...args] = supervisor;
    child = spawn(command, args, { env, stdio: ["ignore", "inherit", "inherit", publicSocket.fd, adminSocket.fd, "ipc"], detached: true });
    await close(publicSocket);
  }
  await close(adminSocket);
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
