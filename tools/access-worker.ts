/**
 * One shard of the access check, in a thread of its own (tools/access.ts starts it
 * with the map's text and the job as its workerData): it loads the same map, reads the same stacks, evaluates the targets
 * its shard owns (access/shards.ts) and posts back what it found.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runShard, type ShardJob } from "../access/analyze";
import { loadAccountMapText, type MapText } from "../config/load";

async function main({ map, job }: { map: MapText; job: ShardJob }) {
  const { model } = await loadAccountMapText(map.text, map.file, map.imports);
  return runShard(model, job);
}

main(workerData as { map: MapText; job: ShardJob }).then(
  (result) => parentPort!.postMessage({ result }),
  (e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
);
