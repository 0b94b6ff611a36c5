// workers-types declares no Node modules; node-crypto.ts only lists the built-in's export names.
declare module "node:crypto" {}
