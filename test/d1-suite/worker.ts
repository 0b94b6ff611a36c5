// Runs one case of the D1 suite per request against env.DB: GET /run/<case name>.
import { caseRunner } from "../suites/run-case.ts";
import { d1Cases } from "./cases.ts";

export default caseRunner(d1Cases, (env: { DB: D1Database }) => env.DB);
