/**
 * How each kind's resources are built in an account's stack: one builder per
 * kind, apart from the descriptors so that reading a map never loads cdktf. The
 * record is keyed by every kind of the registry, so a kind without a builder does
 * not compile.
 */
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { TerraformElement } from "cdktf";
import type { Construct } from "constructs";
import type { PolicyDocument } from "../policies/document";
import type { ResourcePlan } from "../policies/plan";
import { buildBucket } from "./bucket-stack";
import { buildQueue } from "./queue-stack";
import { buildTopic } from "./topic-stack";
import { buildKey } from "./key-stack";
import { buildSecret } from "./secret-stack";
import type { KindId } from "./index";

/** What a builder is given: the stack, the provider of the resource's region, and the stack's helpers. */
export interface BuildContext {
  readonly scope: Construct;
  readonly provider: AwsProvider;
  /** Gives an element its readable Terraform address from config names (`aws_s3_bucket.my-bucket`). */
  readonly named: <T extends TerraformElement>(element: T, ...names: string[]) => T;
  /** A policy as the literal JSON string Terraform sends to AWS unchanged. */
  readonly json: (doc: PolicyDocument) => string;
  /** The import record of this entry's resource (config/imports.ts): the builder imports its resource with it. */
  readonly importId?: string;
  /** The stack (account) name, for the tag of the keys it creates. */
  readonly stack: string;
  /** Keys recorded under `kmsKeys` (found by their tag, without their alias): owner `<section>/<name>` → key id. */
  readonly importKeyOnly?: ReadonlyMap<string, string>;
  /** Own keys recorded under `ownKeys` (found through their alias): owner `<section>/<name>` → key id; the key and its alias are imported. */
  readonly importOwnKey?: ReadonlyMap<string, string>;
}

/** Builds one plan entry's resources, with the context's provider and the entry's finished policy. */
export type ResourceBuilder = (ctx: BuildContext, entry: ResourcePlan) => void;

export const BUILDERS: Readonly<Record<KindId, ResourceBuilder>> = {
  bucket: buildBucket,
  queue: buildQueue,
  topic: buildTopic,
  secret: buildSecret,
  key: buildKey,
};
