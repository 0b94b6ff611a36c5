// Reads a secret value the way `wrangler secret put` does: piped stdin as is (one trailing
// newline dropped), or typed at a prompt without echo. Never from the command line, where it
// would land in shell history and `ps`.

/** @param {string} prompt */
export async function readSecretValue(prompt) {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = "";
    for await (const chunk of stdin) text += chunk;
    return text.replace(/\r?\n$/, "");
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    /** @param {string} chunk */
    const onData = (chunk) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") return finish(() => resolve(value));
        if (char === "\u0003") return finish(() => reject(new Error("cancelled")));
        if (char === "\u007f") value = value.slice(0, -1);
        else value += char;
      }
    };
    /** @param {() => void} settle */
    const finish = (settle) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      settle();
    };
    stdin.on("data", onData);
  });
}
