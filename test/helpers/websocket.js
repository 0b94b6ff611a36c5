// A minimal WebSocket client for tests (Node 20 has none built in, and none is a dependency):
// text messages under 126 bytes, an explicit Host header, loopback only.
import { randomBytes } from "node:crypto";
import { request } from "node:http";

/**
 * Opens a WebSocket to 127.0.0.1:`port` for `host`: the socket, or the status the upgrade got instead.
 * @param {number} port @param {string} host
 * @returns {Promise<{ socket?: TextWebSocket, status?: number }>}
 */
export function openWebSocket(port, host) {
  return new Promise((resolve, reject) => {
    const headers = {
      host,
      connection: "Upgrade",
      upgrade: "websocket",
      "sec-websocket-key": randomBytes(16).toString("base64"),
      "sec-websocket-version": "13",
    };
    const upgrade = request({ host: "127.0.0.1", port, path: "/", agent: false, headers });
    upgrade.on("upgrade", (_response, socket, head) => resolve({ socket: new TextWebSocket(socket, head) }));
    upgrade.on("response", (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0 });
    });
    upgrade.on("error", reject);
    upgrade.end();
  });
}

export class TextWebSocket {
  /** @type {import("node:net").Socket} */ #socket;
  #buffer;
  /** @type {((text: string) => void)[]} */ #waiting = [];
  /** @type {string[]} */ #received = [];
  #closed;

  /** @param {import("node:stream").Duplex} socket @param {Buffer} head */
  constructor(socket, head) {
    this.#socket = /** @type {import("node:net").Socket} */ (socket);
    this.#buffer = head;
    this.#closed = new Promise((resolve) => socket.once("close", resolve));
    socket.on("data", (/** @type {Buffer} */ chunk) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#read();
    });
  }

  /** @param {string} text */
  send(text) {
    this.#socket.write(clientFrame(0x1, Buffer.from(text)));
  }

  /** The next text message. @returns {Promise<string>} */
  next() {
    const text = this.#received.shift();
    return text !== undefined ? Promise.resolve(text) : new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Sends a close frame (1000) and resolves once the server has closed the connection. */
  close() {
    this.#socket.write(clientFrame(0x8, Buffer.from([0x03, 0xe8])));
    return this.#closed;
  }

  #read() {
    while (this.#buffer.length >= 2) {
      const opcode = (this.#buffer[0] ?? 0) & 0x0f;
      const length = (this.#buffer[1] ?? 0) & 0x7f;
      if (length > 125) throw new Error("TextWebSocket reads only messages under 126 bytes");
      if (this.#buffer.length < 2 + length) return;
      const payload = this.#buffer.subarray(2, 2 + length).toString();
      this.#buffer = this.#buffer.subarray(2 + length);
      if (opcode === 0x1) {
        const waiter = this.#waiting.shift();
        if (waiter) waiter(payload);
        else this.#received.push(payload);
      }
      if (opcode === 0x8) this.#socket.end();
    }
  }
}

/** A client frame: final, masked as RFC 6455 requires of clients. @param {number} opcode @param {Buffer} payload */
function clientFrame(opcode, payload) {
  if (payload.length > 125) throw new Error("TextWebSocket sends only messages under 126 bytes");
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]);
}
