// Change notifications the Database object hears for the features above this layer: each
// feature that caches something another host may change registers one listener for its channel
// where the runner wires itself up (runner/index.ts), so this layer names no feature. Listeners
// are called in the order they were registered.
import type { Env } from "../env.ts";

/** The Database object that heard the notification: for work that outlives the callback. */
export interface NotifiedBy {
  env: Env;
  ctx: DurableObjectState;
}

export interface ChannelListener {
  /** One notification on the channel (NOTIFY's payload), in the order Postgres delivers them. */
  notified(payload: string, by: NotifiedBy): void;
  /**
   * True once the channel is subscribed; false when the connection closes or subscribing fails
   * (then with the error): notifications may be missed until the next true.
   */
  hearing?(heard: boolean, error?: unknown): void;
}

const listeners = new Map<string, ChannelListener>();
let subscribed = false;

export function onNotification(channel: string, listener: ChannelListener): void {
  // Subscribing happens once, with the channels registered by then: a later one would never be heard.
  if (subscribed) throw new Error(`channel ${channel} registered after the Database object subscribed`);
  // The name goes into a LISTEN statement as is.
  if (!/^[a-z_]+$/.test(channel)) throw new Error(`channel name ${channel} is not lower-case letters and '_'`);
  if (listeners.has(channel)) throw new Error(`channel ${channel} has a listener already`);
  listeners.set(channel, listener);
}

/** The channels to LISTEN on; registrations close here. */
export function subscribedChannels(): string[] {
  subscribed = true;
  return [...listeners.keys()];
}

export function notify(channel: string, payload: string, by: NotifiedBy): void {
  listeners.get(channel)?.notified(payload, by);
}

export function hearing(heard: boolean, error?: unknown): void {
  for (const listener of listeners.values()) listener.hearing?.(heard, error);
}
