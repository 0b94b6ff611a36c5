// A database's copy in the blob store: its statements, one JSON string a line, written and read as
// a stream a piece at a time, so no process holds or encodes a whole copy at once (a copy may be
// larger than an RPC call carries, 32 MiB, and encoding one of 100 MB in one go would stall the
// process past its watchdog). Copies written as one JSON array, before, are still read.

const encoder = new TextEncoder();

/** The lines of statements read from `next` until it answers none. */
export function copyStream(next: () => Promise<string[] | null>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const statements = await next();
      if (statements === null) controller.close();
      else controller.enqueue(encoder.encode(statements.map((statement) => `${JSON.stringify(statement)}\n`).join("")));
    },
  });
}

/** The copy's statements, in pieces of about `pieceBytes`. */
export async function* copyStatements(copy: ReadableStream<Uint8Array>, pieceBytes: number): AsyncGenerator<string[]> {
  let text = "";
  let piece: string[] = [];
  let bytes = 0;
  let legacy: boolean | null = null;
  for await (const chunk of copy.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    legacy ??= text.trimStart() === "" ? null : text.trimStart().startsWith("[");
    if (legacy !== false) continue;
    const end = text.lastIndexOf("\n");
    if (end === -1) continue;
    for (const line of text.slice(0, end).split("\n")) {
      if (line === "") continue;
      const statement = JSON.parse(line) as string;
      piece.push(statement);
      bytes += statement.length;
      if (bytes >= pieceBytes) {
        yield piece;
        [piece, bytes] = [[], 0];
      }
    }
    text = text.slice(end + 1);
  }
  if (legacy) piece = JSON.parse(text) as string[];
  if (piece.length > 0) yield piece;
}
