/**
 * A stack with a stack's backend and no resources: what the tools use to read a
 * stack's state without the stack (`terraform state pull`), and, with the aws
 * providers its state names, to destroy everything that state holds when no
 * revision of the map can rebuild the stack (a plan of a configuration without
 * resources destroys every resource in its state).
 */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { StateBackend } from "../config/model";
import { DEPLOY_SESSION_NAME, localProviderSettings } from "./account-stack";
import { addBackend } from "./backend";

export interface StateStackProps {
  readonly state: StateBackend;
  /** See AccountStackProps.localEndpoint. */
  readonly localEndpoint?: string;
  /** The aws providers, by the alias the state names them with, each assuming `roleArn` in the one allowed account. */
  readonly providers?: readonly { readonly alias: string; readonly region: string }[];
  readonly roleArn?: string;
  readonly accountId?: string;
}

export class StateStack extends TerraformStack {
  /** `stack` is the stack's name, so the backend is that stack's. */
  constructor(scope: Construct, stack: string, props: StateStackProps) {
    super(scope, stack);
    addBackend(this, props.state, props.localEndpoint);
    for (const p of props.providers ?? []) {
      new AwsProvider(this, `provider_${p.alias}`, {
        alias: p.alias,
        region: p.region,
        ...(props.roleArn ? { assumeRole: [{ roleArn: props.roleArn, sessionName: DEPLOY_SESSION_NAME }] } : {}),
        // As the stack's own providers: never destroy in any other account.
        ...(props.accountId ? { allowedAccountIds: [props.accountId] } : {}),
        ...(props.localEndpoint ? localProviderSettings(props.localEndpoint) : {}),
      });
    }
  }
}
