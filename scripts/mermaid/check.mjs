#!/usr/bin/env node
// Checks that every ```mermaid block of the given Markdown files parses and
// renders with Mermaid itself (its browser bundle from node_modules, in headless
// Chromium driven by puppeteer-core), the way GitHub and other viewers render it.
// No web server and no network: the bundle is injected into a blank page and
// every request the page tries to make is refused.
//
// Exit 0 when every block parses and renders, 1 when one does not (each as
// `file:line: <Mermaid's error>`), 2 on a usage or setup error.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";

const USAGE = `usage: node scripts/mermaid/check.mjs [options] FILE.md...

Extracts every \`\`\`mermaid block of each Markdown file and runs Mermaid's own
mermaid.parse and mermaid.render on it in headless Chromium. Prints one line per
file with the number of blocks checked; for a block that does not parse or
render, prints "file:line: <Mermaid's error>" and exits 1.

options:
  --svg PATH        write the SVG of the first block of the first FILE to PATH,
                    rendered with htmlLabels off (plain SVG text, no
                    foreignObject) so that image viewers show the labels
  --png PATH        also write a screenshot of that SVG to PATH (to look at it)
  --chromium PATH   the browser (default: $CHROMIUM, else /usr/bin/chromium)
  --timeout SEC     give up after SEC seconds (default 120)
  -h, --help        this text

exit status: 0 all blocks render, 1 a block fails, 2 usage or setup error`;

/** Prints `check.mjs: <message>` and exits 2: bad usage or a broken setup, never a stack trace. */
function die(message) {
  process.stderr.write(`check.mjs: ${message}\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      svg: { type: "string" },
      png: { type: "string" },
      chromium: { type: "string" },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
} catch (e) {
  // parseArgs' message goes on to explain `--`; its first sentence is the error.
  die(`${e.message.split(/\.(?: |$)/)[0]} (see --help)`);
}
const { values: opts, positionals: files } = args;
if (opts.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (files.length === 0) die("no Markdown file given (see --help)");
if (opts.png && !opts.svg) die("--png needs --svg");
const timeout = opts.timeout === undefined ? 120 : Number(opts.timeout);
if (!Number.isFinite(timeout) || timeout <= 0) die(`--timeout ${JSON.stringify(opts.timeout)} is not a positive number of seconds`);
const chromium = opts.chromium ?? process.env.CHROMIUM ?? "/usr/bin/chromium";
if (!existsSync(chromium)) die(`no browser at ${chromium} (install Debian's chromium: apt-get install -y chromium, or pass --chromium PATH)`);

const require = createRequire(import.meta.url);
let bundle, puppeteer, version;
try {
  bundle = require.resolve("mermaid/dist/mermaid.min.js");
  version = require("mermaid/package.json").version;
  puppeteer = (await import("puppeteer-core")).default;
} catch (e) {
  die(`${e.code === "MODULE_NOT_FOUND" || e.code === "ERR_MODULE_NOT_FOUND" ? "mermaid or puppeteer-core is not installed (run npm ci)" : e.message}`);
}

/**
 * The ```mermaid blocks of a Markdown text, each with the 1-based line of its
 * opening fence. A fence closes on a line of the same character, at least as
 * long, as CommonMark says.
 */
function mermaidBlocks(text) {
  const lines = text.split(/\r?\n/);
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*mermaid\s*$/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[j]);
      if (close && close[1][0] === fence[0] && close[1].length >= fence.length) break;
      body.push(lines[j]);
    }
    blocks.push({ line: i + 1, text: body.join("\n"), closed: j < lines.length });
    i = j;
  }
  return blocks;
}

const inputs = [];
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    die(`cannot read ${file}: ${e.code ?? e.message}`);
  }
  inputs.push({ file, blocks: mermaidBlocks(text) });
}

const profile = mkdtempSync(join(tmpdir(), "mermaid-check-"));
const started = Date.now();
let browser;
const timer = setTimeout(() => {
  process.stderr.write(`check.mjs: gave up after ${timeout} s\n`);
  browser?.process()?.kill("SIGKILL");
  rmSync(profile, { recursive: true, force: true });
  process.exit(2);
}, timeout * 1000);

/** A setup problem found once the browser runs: reported after it is closed, exit 2. */
class SetupError extends Error {}

let failed = 0;
let setup;
try {
  try {
    browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,
      userDataDir: join(profile, "profile"),
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  } catch (e) {
    throw new SetupError(`cannot start ${chromium}: ${e.message.split("\n")[0]}`);
  }
  const page = await browser.newPage();
  // Nothing may leave the machine: the page needs no request at all.
  await page.setRequestInterception(true);
  page.on("request", (r) => (r.url().startsWith("data:") || r.url() === "about:blank" ? r.continue() : r.abort("blockedbyclient")));
  await page.goto("about:blank");
  await page.addScriptTag({ path: bundle });

  /** Parses and renders one diagram in the page; returns the SVG or Mermaid's error. */
  const check = (text, n, htmlLabels) =>
    page.evaluate(
      async (text, n, htmlLabels) => {
        const m = globalThis.mermaid;
        m.initialize({ startOnLoad: false, securityLevel: "strict", htmlLabels, flowchart: { htmlLabels } });
        try {
          await m.parse(text);
          const { svg } = await m.render(`check${n}`, text);
          if (/aria-roledescription="error"/.test(svg)) return { error: "rendered as Mermaid's error picture" };
          return { svg };
        } catch (e) {
          return { error: String(e?.message ?? e) };
        } finally {
          document.getElementById(`check${n}`)?.remove();
          document.getElementById(`dcheck${n}`)?.remove();
        }
      },
      text,
      n,
      htmlLabels,
    );

  let n = 0;
  for (const { file, blocks } of inputs) {
    let bad = 0;
    for (const b of blocks) {
      const where = `${file}:${b.line}`;
      if (!b.closed) {
        process.stderr.write(`${where}: the mermaid block is never closed\n`);
        bad++;
        continue;
      }
      const r = await check(b.text, n++, true);
      if (r.error === undefined) continue;
      // Mermaid's parse errors name the line inside the block; point at the file's line.
      const inner = /on line (\d+)/.exec(r.error);
      const at = inner ? `${file}:${b.line + Number(inner[1])}` : where;
      const [first, ...rest] = r.error.trim().split("\n");
      process.stderr.write(`${at}: ${first}${rest.map((l) => `\n    ${l}`).join("")}\n`);
      bad++;
    }
    failed += bad;
    const what = `${blocks.length} mermaid block${blocks.length === 1 ? "" : "s"}`;
    process.stdout.write(bad === 0 ? `${file}: ${what} parsed and rendered\n` : `${file}: ${bad} of ${what} failed\n`);
  }

  if (opts.svg) {
    const first = inputs[0];
    if (first.blocks.length === 0) throw new SetupError(`--svg: ${first.file} has no mermaid block`);
    const r = await check(first.blocks[0].text, n++, false);
    if (r.error !== undefined) {
      process.stderr.write(`${first.file}:${first.blocks[0].line}: with htmlLabels off: ${r.error.split("\n")[0]}\n`);
      failed++;
    } else {
      // A standalone file: the XML prolog, and no trailing space differences between runs.
      const svg = `<?xml version="1.0" encoding="UTF-8"?>\n${r.svg.replace(/ id="check\d+"/, ' id="graph"').replace(/#check\d+/g, "#graph")}\n`;
      mkdirSync(dirname(opts.svg), { recursive: true });
      writeFileSync(opts.svg, svg);
      process.stdout.write(`${opts.svg}: SVG of ${first.file}:${first.blocks[0].line} (htmlLabels off)\n`);
      if (opts.png) {
        const shot = await browser.newPage();
        await shot.setRequestInterception(true);
        shot.on("request", (r) => (r.url().startsWith("data:") || r.url() === "about:blank" ? r.continue() : r.abort("blockedbyclient")));
        // At the SVG's own size: the picture as a reader sees it, not squeezed into 800 px.
        const [, , w, h] = (/viewBox="([^"]+)"/.exec(r.svg)?.[1] ?? "0 0 800 600").split(" ").map(Number);
        await shot.setViewport({ width: Math.ceil(w), height: Math.ceil(h) });
        await shot.setContent(`<!doctype html><body style="margin:0;background:#fff">${r.svg}</body>`);
        const el = await shot.$("svg");
        mkdirSync(dirname(opts.png), { recursive: true });
        await el.screenshot({ path: opts.png });
        process.stdout.write(`${opts.png}: screenshot of that SVG\n`);
      }
    }
  }
  process.stdout.write(`mermaid ${version}: ${n} diagram${n === 1 ? "" : "s"} in ${((Date.now() - started) / 1000).toFixed(1)} s${failed > 0 ? `, ${failed} failed` : ""}\n`);
} catch (e) {
  if (!(e instanceof SetupError)) throw e;
  setup = e.message;
} finally {
  clearTimeout(timer);
  await browser?.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
if (setup) die(setup);
process.exit(failed > 0 ? 1 : 0);
