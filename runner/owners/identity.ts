// Who this process is to its peers: its host (one `outpost start`), its seat (the data directory
// it writes, one per pool slot, `<data dir>/objects/<host>/slot-<n>`, and `probation`), the private address they
// reach it at, and its boot id, random per start: an owner is one process, not a slot.
import { randomHex } from "../encoding.ts";
import type { Env } from "../env.ts";

export interface Identity {
  host: string;
  seat: string;
  address: string;
  boot: string;
}

let boot: string | null = null;

export function thisProcess(env: Env): Identity {
  boot ??= randomHex();
  return { host: env.CONFIG.hostId, seat: env.SEAT_NAME ?? "", address: env.PRIVATE_ADDRESS ?? "", boot };
}
