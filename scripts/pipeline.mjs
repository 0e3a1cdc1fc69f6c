// `npm run pipeline`: builds the tools (esbuild, well under a second) and runs
// tools/pipeline.ts. Arguments pass through.
import { createRequire } from "node:module";
import { build } from "./build.mjs";

build();
createRequire(import.meta.url)("../dist/pipeline.js");
