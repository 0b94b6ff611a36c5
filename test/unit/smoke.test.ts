import { expect, it } from "vitest";
it("smoke: runs in workerd", () => {
  expect(typeof WebSocketPair).toBe("function");
});
