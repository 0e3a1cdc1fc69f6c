/**
 * AWS services whose documentation says they send `aws:SourceAccount` when they
 * assume a role, so that a role's trust can name the account the service acts
 * for (the cross-service confused deputy:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html). A
 * `service/<principal>` caller of this table gets `aws:SourceAccount` = the
 * role's account; any other service's trust is written without it (a condition
 * the service never sends would lock it out), and the access report's lint notes
 * that. Add a service only with the page that documents it: each page below
 * shows a role trust policy for the service with `aws:SourceAccount` (ECS: "it is
 * recommended that you use the aws:SourceAccount or aws:SourceArn condition keys
 * in the trust relationship policy"; Step Functions, EventBridge Scheduler,
 * Personalize and AppStream: a trust policy example with both keys or one).
 *
 * Not here, on purpose: `ec2.amazonaws.com` (an instance profile's role is assumed
 * by EC2 without a source account; AWS documents none for it) and
 * `lambda.amazonaws.com` (its execution-role page documents no such condition).
 */
export const SOURCE_ACCOUNT_SERVICES: Readonly<Record<string, string>> = {
  "appstream.amazonaws.com": "https://docs.aws.amazon.com/appstream2/latest/developerguide/example-fleet-machine.html",
  "ecs-tasks.amazonaws.com": "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html",
  "personalize.amazonaws.com": "https://docs.aws.amazon.com/personalize/latest/dg/cross-service-confused-deputy-prevention.html",
  "scheduler.amazonaws.com": "https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html",
  "states.amazonaws.com": "https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html#prevent-cross-service-confused-deputy",
};

/** True when the service sends `aws:SourceAccount` when it assumes a role. */
export const sendsSourceAccount = (service: string): boolean => Object.hasOwn(SOURCE_ACCOUNT_SERVICES, service);
