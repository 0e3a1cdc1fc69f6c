// `npm run access`: builds the tools (esbuild, well under a second) and runs the
// access report and gate, tools/access.ts. Arguments pass through.
import { createRequire } from "node:module";
import { build } from "./build.mjs";

build();
createRequire(import.meta.url)("../dist/access.js");
