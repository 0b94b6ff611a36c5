// Runs one case of the KV suite per request against env.KV: GET /run/<case name>.
import { caseRunner } from "../suites/run-case.ts";
import { kvCases } from "./cases.ts";

export default caseRunner(kvCases, (env: { KV: KVNamespace }) => env.KV);
