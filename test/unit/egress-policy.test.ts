import { expect, it } from "vitest";
import { egressDecision } from "../../runner/egress/policy.ts";

const PUBLIC = { allowed: true, network: "public" };
const decide = (url: string, allow: string[] = [], ownPorts: number[] = []) => egressDecision(new URL(url), allow, ownPorts);
const refused = (hostPort: string) => ({ allowed: false, reason: `${hostPort} is a loopback, private or link-local address` });

it("egressDecision: public names and addresses use the public network", () => {
  expect(decide("https://example.com/path?q=1")).toEqual(PUBLIC);
  expect(decide("http://93.184.216.34:8080/")).toEqual(PUBLIC);
  expect(decide("https://[2606:4700:4700::1111]/")).toEqual(PUBLIC);
  expect(decide("https://example.com./")).toEqual(PUBLIC);
});

it("egressDecision: loopback IPv4 is refused, the default port named", () => {
  expect(decide("http://127.0.0.1/")).toEqual(refused("127.0.0.1:80"));
  expect(decide("https://127.0.0.1/")).toEqual(refused("127.0.0.1:443"));
  expect(decide("http://127.255.255.254:9000/")).toEqual(refused("127.255.255.254:9000"));
});

it("egressDecision: other spellings of 127.0.0.1 are refused as 127.0.0.1", () => {
  for (const url of ["http://2130706433/", "http://0x7f.1/", "http://127.1/", "http://0177.0.0.1/", "http://127.0.0.1./"]) {
    expect(decide(url)).toEqual(refused("127.0.0.1:80"));
  }
});

it("egressDecision: private ranges are refused", () => {
  for (const host of ["10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.1.1"]) {
    expect(decide(`http://${host}/`)).toEqual(refused(`${host}:80`));
  }
});

it("egressDecision: neighbours of the private ranges are public", () => {
  for (const host of ["11.0.0.1", "172.15.255.255", "172.32.0.1", "192.167.1.1", "192.169.1.1"]) {
    expect(decide(`http://${host}/`)).toEqual(PUBLIC);
  }
});

it("egressDecision: link-local, including the cloud metadata address, is refused", () => {
  expect(decide("http://169.254.169.254/latest/meta-data/")).toEqual(refused("169.254.169.254:80"));
  expect(decide("http://169.254.0.1/")).toEqual(refused("169.254.0.1:80"));
  expect(decide("http://169.253.0.1/")).toEqual(PUBLIC);
});

it("egressDecision: carrier-grade NAT (100.64.0.0/10) is refused, its neighbours are public", () => {
  expect(decide("http://100.64.0.1/")).toEqual(refused("100.64.0.1:80"));
  expect(decide("http://100.127.255.255/")).toEqual(refused("100.127.255.255:80"));
  expect(decide("http://100.63.255.255/")).toEqual(PUBLIC);
  expect(decide("http://100.128.0.0/")).toEqual(PUBLIC);
});

it("egressDecision: 0.0.0.0/8, multicast and reserved addresses are refused", () => {
  for (const host of ["0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255"]) {
    expect(decide(`http://${host}/`)).toEqual(refused(`${host}:80`));
  }
});

it("egressDecision: IPv6 loopback, unspecified, unique-local, link-local and multicast are refused", () => {
  expect(decide("http://[::1]/")).toEqual(refused("[::1]:80"));
  expect(decide("http://[::]:8080/")).toEqual(refused("[::]:8080"));
  expect(decide("http://[fc00::]/")).toEqual(refused("[fc00::]:80"));
  expect(decide("http://[fd12:3456::1]/")).toEqual(refused("[fd12:3456::1]:80"));
  expect(decide("http://[fe80::1]/")).toEqual(refused("[fe80::1]:80"));
  expect(decide("http://[febf::1]/")).toEqual(refused("[febf::1]:80"));
  expect(decide("http://[ff02::1]/")).toEqual(refused("[ff02::1]:80"));
});

it("egressDecision: IPv6 forms that embed an IPv4 address are refused", () => {
  expect(decide("http://[::7f00:1]/")).toEqual(refused("[::7f00:1]:80"));
  expect(decide("http://[64:ff9b::7f00:1]/")).toEqual(refused("[64:ff9b::7f00:1]:80"));
  expect(decide("http://[2002:7f00:1::1]/")).toEqual(refused("[2002:7f00:1::1]:80"));
});

it("egressDecision: the benchmarking range 198.18.0.0/15 is refused", () => {
  expect(decide("http://198.18.0.1/")).toEqual(refused("198.18.0.1:80"));
  expect(decide("http://198.19.255.254/")).toEqual(refused("198.19.255.254:80"));
  expect(decide("http://198.20.0.1/")).toEqual(PUBLIC);
});

it("egressDecision: IPv4-mapped IPv6 addresses are refused", () => {
  // The URL parser writes ::ffff:127.0.0.1 as ::ffff:7f00:1.
  expect(decide("http://[::ffff:127.0.0.1]/")).toEqual(refused("[::ffff:7f00:1]:80"));
  expect(decide("http://[::ffff:10.0.0.1]/")).toEqual(refused("[::ffff:a00:1]:80"));
  expect(decide("http://[0:0:0:0:0:ffff:7f00:1]/")).toEqual(refused("[::ffff:7f00:1]:80"));
});

it("egressDecision: localhost names are refused, whatever their case or trailing dot", () => {
  expect(decide("http://localhost/")).toEqual(refused("localhost:80"));
  expect(decide("http://LocalHost:3000/")).toEqual(refused("localhost:3000"));
  expect(decide("http://localhost./")).toEqual(refused("localhost:80"));
  expect(decide("http://api.localhost/")).toEqual(refused("api.localhost:80"));
  expect(decide("http://printer.local/")).toEqual(refused("printer.local:80"));
});

it("egressDecision: single-label names are refused", () => {
  expect(decide("http://intranet/")).toEqual(refused("intranet:80"));
  expect(decide("http://postgres:5432/")).toEqual(refused("postgres:5432"));
  expect(decide("http://intranet./")).toEqual(refused("intranet:80"));
});

it("egressDecision: an allow-list host:port reaches any network", () => {
  expect(decide("http://localhost:9000/", ["localhost:9000"])).toEqual({ allowed: true, network: "any" });
  expect(decide("https://10.0.0.5/", ["10.0.0.5:443"])).toEqual({ allowed: true, network: "any" });
  expect(decide("http://INTRANET:8080/", ["intranet:8080"])).toEqual({ allowed: true, network: "any" });
});

it("egressDecision: the allow-list matches host and port exactly", () => {
  expect(decide("http://localhost:9001/", ["localhost:9000"])).toEqual(refused("localhost:9001"));
  expect(decide("http://localhost/", ["localhost:9000"])).toEqual(refused("localhost:80"));
  expect(decide("http://127.0.0.1:9000/", ["localhost:9000"])).toEqual(refused("127.0.0.1:9000"));
});

it("egressDecision: only http and https are allowed", () => {
  expect(decide("ftp://example.com/file")).toEqual({ allowed: false, reason: "only http and https are allowed, not ftp:" });
  expect(decide("file:///etc/passwd")).toEqual({ allowed: false, reason: "only http and https are allowed, not file:" });
  expect(decide("ws://example.com/")).toEqual({ allowed: false, reason: "only http and https are allowed, not ws:" });
  expect(decide("ftp://localhost:9000/", ["localhost:9000"])).toEqual({ allowed: false, reason: "only http and https are allowed, not ftp:" });
});

it("egressDecision: the platform's own ports are named in the reason", () => {
  expect(decide("http://127.0.0.1:8787/", [], [8787, 8788])).toEqual({
    allowed: false,
    reason: "127.0.0.1:8787 (a platform socket) is a loopback, private or link-local address",
  });
  expect(decide("http://localhost/", [], [80])).toEqual({
    allowed: false,
    reason: "localhost:80 (a platform socket) is a loopback, private or link-local address",
  });
  expect(decide("http://127.0.0.1:8789/", [], [8787, 8788])).toEqual(refused("127.0.0.1:8789"));
});

it("egressDecision: a public host on the same port number as a platform socket is public", () => {
  expect(decide("http://example.com:8787/", [], [8787])).toEqual(PUBLIC);
});

it("egressDecision: a platform socket stays refused when the allow-list names it", () => {
  expect(decide("http://127.0.0.1:8787/", ["127.0.0.1:8787"], [8787])).toEqual({
    allowed: false,
    reason: "127.0.0.1:8787 (a platform socket) is a loopback, private or link-local address",
  });
  const peers = new Set(["10.0.0.5:9101"]);
  for (const allow of [[], ["10.0.0.5:9101"]]) {
    expect(egressDecision(new URL("http://10.0.0.5:9101/_outpost/owner-call/"), allow, [], peers)).toEqual({
      allowed: false,
      reason: "10.0.0.5:9101 is a platform socket (a process's private socket)",
    });
  }
  expect(egressDecision(new URL("http://10.0.0.5:9102/"), ["10.0.0.5:9102"], [], peers)).toEqual({ allowed: true, network: "any" });
});
