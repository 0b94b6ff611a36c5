// Bare workerd processes on an SO_REUSEPORT group of public sockets, as Outpost's pool has them
// (cli/reuseport.js): the Perl wrapper opened one socket per process and started this script,
// which gives each workerd its own (`--socket-fd http=3`) and stops them all on SIGTERM.
// Arguments: the worker's directory, then one private port per process.
import { spawn } from "node:child_process";
import workerd from "workerd";
import { supervisorFds } from "../cli/reuseport.js";

const [dir, ...privatePorts] = process.argv.slice(2);
const { publicFd } = supervisorFds(process.env);
const children = privatePorts.map((privatePort, slot) =>
  spawn(workerd.default, ["serve", "config.capnp", "--socket-fd", "http=3", "--socket-addr", `private=127.0.0.1:${privatePort}`], {
    cwd: dir,
    stdio: ["ignore", "inherit", "inherit", publicFd(slot)],
  }),
);
for (const child of children) child.once("exit", () => process.exit(1));
process.once("SIGTERM", () => {
  for (const child of children) {
    child.removeAllListeners("exit");
    child.kill("SIGTERM");
  }
  void Promise.all(children.map((child) => new Promise((resolve) => child.once("exit", resolve)))).then(() => process.exit(0));
});
