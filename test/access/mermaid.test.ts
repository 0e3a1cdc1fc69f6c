/**
 * The access report's Mermaid graphs, as text: quoted labels, names escaped the
 * way Mermaid reads entity codes, generated node ids, and one small graph per
 * target account once one graph would be unreadable. That Mermaid itself parses
 * and renders them is scripts/mermaid/check-reports.sh's job (a real browser);
 * these tests never start one.
 */
import { readFileSync } from "node:fs";
import type { Analysis } from "../../access/analyze";
import { GRAPH_ACCOUNT_LIMIT, GRAPH_EDGE_LIMIT, GRAPH_PAIR_LIMIT, mermaidLabel, renderMarkdown, type GraphPair, type Reach, trustGraphs } from "../../access/report";
import { byText } from "../../access/policy-json";
import { analyzed, synthesized } from "./fixture";

const AWKWARD_MAP = "test/fixtures/good/awkward-names.yaml";

/** The ```mermaid blocks of a Markdown text. */
const blocks = (md: string): string[] => [...md.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1]);

/** A label back to its text, the way Mermaid decodes entity codes (`#quot;`, `#35;`). */
const decode = (s: string): string => s.replace(/#quot;/g, '"').replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));

/** Every line a trust graph may hold: nothing else reaches Mermaid's syntax. */
const LINE = /^(graph LR|%% .*|  subgraph n\d+\["[^"]*"\]|    n\d+\["[^"]*"\]|  end|  n\d+ (-->|-\.->)\|"[^"]*"\| n\d+)$/;
/** What Mermaid could read as syntax inside a quoted label, outside an entity code. */
const RAW = /["`|<>&%]|#(?!quot;|\d+;)/;

const labels = (block: string): string[] => [...block.matchAll(/\["([^"]*)"\]|\|"([^"]*)"\|/g)].map((m) => m[1] ?? m[2]);

const pair = (caller: string, target: string, over: Partial<Reach> = {}): GraphPair => ({
  reach: { caller, target, actions: ["sts:AssumeRole"], summary: "assume", mfa: false, ...over },
  callerAccount: caller.split("/")[0],
  targetAccount: target.split("/")[0],
});

describe("mermaidLabel", () => {
  test.each([
    ["assume (MFA)", "assume (MFA)"],
    ['say "hi"', "say #quot;hi#quot;"],
    ["#quot; as written", "#35;quot; as written"],
    ["a|b", "a#124;b"],
    ["`md *em*`", "#96;md *em*#96;"],
    ["%%{init: {}}%%", "#37;#37;{init: {}}#37;#37;"],
    ["<b>x</b> & y", "#60;b#62;x#60;/b#62; #38; y"],
    ["fa:fa-car", "fa#8203;:fa-car"],
    ["arn:aws:s3:::b/*; s3:Get*", "arn:aws:s3:::b/*; s3:Get*"],
    ["__bold__ **x** _y_ 1. ---", "__bold__ **x** _y_ 1. ---"],
    ["Zoë 日本 🙂", "Zoë 日本 🙂"],
    ["two\nlines", "two lines"],
  ])("%j → %j", (text, label) => {
    expect(mermaidLabel(text)).toBe(label);
    expect(decode(label).replace(/\u200b/g, "")).toBe(text.replace(/\n/g, " "));
  });
});

describe("one graph, up to GRAPH_PAIR_LIMIT pairs", () => {
  let example: Analysis;
  let awkward: Analysis;
  beforeAll(async () => {
    const e = await synthesized();
    example = await analyzed(e.model, e.outdir);
    const w = await synthesized(readFileSync(AWKWARD_MAP, "utf8"), AWKWARD_MAP);
    awkward = await analyzed(w.model, w.outdir);
  });
  const md = (a: Analysis) => renderMarkdown(a, { mapFile: "accounts.yaml", outdir: "cdktf.out" });

  test("the example map: one graph, every edge label quoted, nothing but generated ids and quoted labels", () => {
    const [graph, ...more] = blocks(md(example));
    expect(more).toEqual([]);
    for (const line of graph.split("\n")) expect(line).toMatch(LINE);
    expect(graph).toContain('-->|"assume (MFA)"|');
    expect(graph).toContain('-->|"assume (external id)"|');
    expect(graph).toContain('-.->|"read-write (MFA)"|');
    expect(graph).toContain('["arn:aws:s3:::prod-app-artifacts/*"]');
  });

  test("awkward names: every label escaped, and decoded it is the name as written", () => {
    const [graph] = blocks(md(awkward));
    for (const line of graph.split("\n")) expect(line).toMatch(LINE);
    for (const l of labels(graph)) expect(l).not.toMatch(RAW);
    const shown = labels(graph).map((l) => decode(l).replace(/\u200b/g, ""));
    expect(shown).toEqual(
      expect.arrayContaining([
        "role/A-role-name-of-exactly-sixty-four-characters-0123456789-01234567",
        "an-account-name-of-exactly-fifty-characters-012345",
        "__bold__",
        "1.",
        "---",
        "+=,.@_-",
        'arn:aws:s3:::awkward.bucket-1/"quoted"/#hash;semi|pipe|/`tick`/%%{init}%%/<b>x</b>/fa:fa-car/Zoë/日本/*',
        "arn:aws:s3:::awkward.bucket-1/__init__/**bold**/_em_/[link](x)/#quot;/a:b::c/*",
      ]),
    );
  });
});

describe("trustGraphs", () => {
  test("node ids are generated in order of appearance; subgraphs by account in code-point order", () => {
    const out = trustGraphs([pair("b/Role", "a/role/X"), pair("B/x", "a/role/X", { summary: "read", mfa: true })]);
    expect(out).toEqual([
      "```mermaid",
      "graph LR",
      '  subgraph n0["B"]',
      '    n1["x"]',
      "  end",
      '  subgraph n2["a"]',
      '    n3["role/X"]',
      "  end",
      '  subgraph n4["b"]',
      '    n5["Role"]',
      "  end",
      '  n5 -->|"assume"| n3',
      '  n1 -.->|"read (MFA)"| n3',
      "```",
    ]);
  });

  test("GitHub jobs are one GitHub subgraph, each named by repository and ref; a permission set is named for itself under its account", () => {
    const out = trustGraphs([
      { ...pair("github/acme/infra@release/v2", "prod/role/Deploy"), callerAccount: "GitHub", callerKind: "github" },
      { ...pair("github/acme/app@env:production", "prod/role/Deploy"), callerAccount: "GitHub", callerKind: "github" },
      { ...pair("dev/sso/Developer", "prod/role/Deploy"), callerKind: "sso" },
    ]);
    expect(out).toEqual([
      "```mermaid",
      "graph LR",
      '  subgraph n0["GitHub"]',
      '    n1["acme/app (environment production)"]',
      '    n2["acme/infra (branch release/v2)"]',
      "  end",
      '  subgraph n3["dev"]',
      '    n4["Developer (SSO)"]',
      "  end",
      '  subgraph n5["prod"]',
      '    n6["role/Deploy"]',
      "  end",
      '  n2 -->|"assume"| n6',
      '  n1 -->|"assume"| n6',
      '  n4 -->|"assume"| n6',
      "```",
    ]);
  });

  test("no pair: a sentence, not an empty graph", () => {
    expect(trustGraphs([])).toEqual(["(No caller reaches anything in these stacks.)"]);
  });

  /** `accounts` target accounts, account i reached by (i mod 7) + 1 callers of a hub and its own roles. */
  const many = (accounts: number): GraphPair[] => {
    const out: GraphPair[] = [];
    for (let i = 0; i < accounts; i++) {
      const acct = `acct-${i}`;
      for (let c = 0; c <= i % 7; c++) out.push(pair(`hub/group-${c}`, `${acct}/role/r`, { mfa: true }), pair(`${acct}/role/own-${c}`, `${acct}/bucket/b-${acct}`, { summary: "read" }));
    }
    return out.sort((x, y) => byText(`${x.reach.caller}\u0000${x.reach.target}`, `${y.reach.caller}\u0000${y.reach.target}`));
  };

  test("above GRAPH_PAIR_LIMIT: one graph per target account, the most callers first, capped", () => {
    const pairs = many(150);
    expect(pairs.length).toBeGreaterThan(GRAPH_PAIR_LIMIT);
    const out = trustGraphs(pairs);
    const text = out.join("\n");
    const graphs = blocks(text);
    expect(graphs).toHaveLength(GRAPH_ACCOUNT_LIMIT);
    const headings = out.filter((l) => l.startsWith("### "));
    // Accounts 6, 13, 20, … have 7 callers each (hub groups and own roles); ties in code-point order.
    expect(headings.slice(0, 3)).toEqual(["### Into `acct-104`: 14 callers, 14 pairs", "### Into `acct-111`: 14 callers, 14 pairs", "### Into `acct-118`: 14 callers, 14 pairs"]);
    for (const g of graphs) {
      for (const line of g.split("\n")) expect(line).toMatch(LINE);
      expect(g.split("\n").filter((l) => /\|"/.test(l)).length).toBeLessThanOrEqual(GRAPH_EDGE_LIMIT);
    }
    expect(out[0]).toBe(
      `${pairs.length} caller → target pairs are too many for one graph: one graph per target account shows who can reach its roles, buckets, queues, topics, secrets and keys, the ${GRAPH_ACCOUNT_LIMIT} accounts with the most callers of 150, at most ${GRAPH_EDGE_LIMIT} pairs each. Every pair is in the table above and in report.json (\`pairs\`).`,
    );
    expect(out[out.length - 1]).toMatch(/^\(130 more accounts, \d+ pairs, are drawn in no graph: they are in report.json\.\)$/);
  });

  test("a graph holds at most GRAPH_EDGE_LIMIT edges and says how many it left out", () => {
    const pairs = Array.from({ length: GRAPH_PAIR_LIMIT + 10 }, (_, i) => pair(`hub/g-${String(i).padStart(3, "0")}`, "prod/role/R"));
    const out = trustGraphs(pairs);
    expect(blocks(out.join("\n"))).toHaveLength(1);
    expect(out).toContain(`(${pairs.length - GRAPH_EDGE_LIMIT} more pairs into \`prod\` in report.json.)`);
  });

  test("the trust section stays a sane size at 10,000 accounts", () => {
    const text = trustGraphs(many(10_000)).join("\n");
    expect(blocks(text)).toHaveLength(GRAPH_ACCOUNT_LIMIT);
    expect(text.length).toBeLessThan(100_000);
  });
});
