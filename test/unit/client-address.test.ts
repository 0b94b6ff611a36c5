import { expect, it } from "vitest";
import { publicClientAddress } from "../../runner/client-address.ts";

/** A public request as workerd hands it over: the connection's address in `cf.clientIp`. */
function request(headers: Record<string, string>, clientIp = "127.0.0.1:50000"): Request {
  const made = new Request("http://app.localhost/", { headers });
  Object.defineProperty(made, "cf", { value: { clientIp } });
  return made;
}

it("publicClientAddress: without a trusted header, the connection's address, whatever the client sent", () => {
  const claims = { "x-forwarded-for": "203.0.113.66", "cf-connecting-ip": "203.0.113.66" };
  expect(publicClientAddress(request(claims), null)).toBe("127.0.0.1");
});

it("publicClientAddress: with a trusted header, its last hop (IPv4 or IPv6, a port dropped)", () => {
  expect(publicClientAddress(request({ "x-forwarded-for": "203.0.113.66, 198.51.100.7" }), "x-forwarded-for")).toBe("198.51.100.7");
  expect(publicClientAddress(request({ "x-forwarded-for": "203.0.113.66,2001:db8::7" }), "x-forwarded-for")).toBe("2001:db8::7");
  expect(publicClientAddress(request({ "x-forwarded-for": "[2001:db8::7]:443" }), "x-forwarded-for")).toBe("2001:db8::7");
  expect(publicClientAddress(request({ "x-real-ip": "198.51.100.7:8080" }), "x-real-ip")).toBe("198.51.100.7");
});

it("publicClientAddress: a missing header, or a last hop that is no address, is the connection's address", () => {
  for (const hop of ["", "unknown", "<script>", "198.51.100.7, ", "[::1", "1.2.3.4.5", "a".repeat(60)]) {
    expect(publicClientAddress(request({ "x-forwarded-for": hop }, "[::1]:50000"), "x-forwarded-for")).toBe("::1");
  }
  expect(publicClientAddress(request({}), "x-forwarded-for")).toBe("127.0.0.1");
});
