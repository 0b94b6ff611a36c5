import { expect, it } from "vitest";
import { type NotifiedBy, hearing, notify, onNotification, subscribedChannels } from "../../runner/db/notifications.ts";

// The registry is module state, closed by the first subscribedChannels(): one test walks it through.
it("onNotification: each channel's notifications reach its listener; hearing reaches all, in registration order", () => {
  const calls: string[] = [];
  const by = {} as NotifiedBy;
  onNotification("test_first", { notified: (payload) => calls.push(`first ${payload}`), hearing: (heard) => calls.push(`first ${heard}`) });
  onNotification("test_second", { notified: (payload, notifiedBy) => calls.push(`second ${payload} ${notifiedBy === by}`) });
  onNotification("test_third", { notified: () => calls.push("third"), hearing: (heard, error) => calls.push(`third ${heard} ${String(error)}`) });
  expect(() => onNotification("test_first", { notified: () => {} })).toThrow("channel test_first has a listener already");
  expect(() => onNotification("test; DROP TABLE workers", { notified: () => {} })).toThrow("is not lower-case letters and '_'");

  expect(subscribedChannels()).toEqual(["test_first", "test_second", "test_third"]);
  notify("test_second", "w1", by);
  notify("test_unknown", "ignored", by);
  hearing(true);
  hearing(false, "refused");
  expect(calls).toEqual(["second w1 true", "first true", "third true undefined", "first false", "third false refused"]);

  expect(() => onNotification("test_late", { notified: () => {} })).toThrow("channel test_late registered after the Database object subscribed");
});
