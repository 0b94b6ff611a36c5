// Runs a command with text piped to its stdin, for the CLI tests.
import { spawn } from "node:child_process";

/**
 * @param {string[]} argv  the command and its arguments
 * @param {{ cwd: string, env: NodeJS.ProcessEnv }} options
 * @param {string} input
 * @returns {Promise<string>} stdout; rejects with stderr when the command fails
 */
export function runWithInput(argv, { cwd, env }, input) {
  return new Promise((resolve, reject) => {
    const [command = "", ...args] = argv;
    const child = spawn(command, args, { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(stderr))));
    child.stdin.end(input);
  });
}
