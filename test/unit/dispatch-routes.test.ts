import { expect, it } from "vitest";
import { workerNameFromHost } from "../../runner/dispatch/routes.ts";

it("workerNameFromHost: the label before the base domain is the worker name", () => {
  expect(workerNameFromHost("hello.example.com", "example.com")).toBe("hello");
  expect(workerNameFromHost("my-worker-2.example.com", "example.com")).toBe("my-worker-2");
  expect(workerNameFromHost("a.example.com", "example.com")).toBe("a");
  expect(workerNameFromHost("7.example.com", "example.com")).toBe("7");
});

it("workerNameFromHost: ignores the port", () => {
  expect(workerNameFromHost("hello.example.com:8787", "example.com")).toBe("hello");
  expect(workerNameFromHost("hello.localhost:8787", "localhost")).toBe("hello");
});

it("workerNameFromHost: is case-insensitive and returns the name in lower case", () => {
  expect(workerNameFromHost("HeLLo.Example.COM", "example.com")).toBe("hello");
  expect(workerNameFromHost("hello.example.com", "EXAMPLE.com")).toBe("hello");
});

it("workerNameFromHost: the base domain itself names no worker", () => {
  expect(workerNameFromHost("example.com", "example.com")).toBeNull();
  expect(workerNameFromHost("example.com:8787", "example.com")).toBeNull();
  expect(workerNameFromHost(".example.com", "example.com")).toBeNull();
});

it("workerNameFromHost: other domains name no worker", () => {
  expect(workerNameFromHost("hello.example.org", "example.com")).toBeNull();
  expect(workerNameFromHost("helloexample.com", "example.com")).toBeNull();
  expect(workerNameFromHost("hello.example.com.evil.net", "example.com")).toBeNull();
  expect(workerNameFromHost("hello.notexample.com", "example.com")).toBeNull();
});

it("workerNameFromHost: nested subdomains name no worker", () => {
  expect(workerNameFromHost("a.b.example.com", "example.com")).toBeNull();
  expect(workerNameFromHost("www.hello.example.com", "example.com")).toBeNull();
});

it("workerNameFromHost: labels that are not valid worker names name no worker", () => {
  for (const label of ["-hello", "hello-", "hello_world", "héllo", "hello world", "x".repeat(64)]) {
    expect(workerNameFromHost(`${label}.example.com`, "example.com")).toBeNull();
  }
});

it("workerNameFromHost: a 63-character label is a valid name", () => {
  const name = `a${"-".repeat(61)}z`;
  expect(workerNameFromHost(`${name}.example.com`, "example.com")).toBe(name);
});
