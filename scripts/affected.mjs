// `npm run affected`: builds the tools (esbuild, well under a second) and runs
// tools/affected.ts. Arguments pass through.
import { createRequire } from "node:module";
import { build } from "./build.mjs";

build();
createRequire(import.meta.url)("../dist/affected.js");
