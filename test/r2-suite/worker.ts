// Runs one case of the R2 suite per request against env.BUCKET: GET /run/<case name>.
import { caseRunner } from "../suites/run-case.ts";
import { r2Cases } from "./cases.ts";

export default caseRunner(r2Cases, (env: { BUCKET: R2Bucket }) => env.BUCKET);
