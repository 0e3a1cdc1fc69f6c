// Types for cdktf's jest matchers (registered by Testing.setupJest in setup.ts).
// cdktf declares them with a one-parameter Matchers<R>, which does not merge with
// @types/jest 30's Matchers<R, T>; this restates them with the matching parameters.
import type { TerraformConstructor } from "cdktf/lib/testing/matchers";

declare global {
  namespace jest {
    interface Matchers<R, T = {}> {
      toHaveResource(resourceConstructor: TerraformConstructor): R;
      toHaveResourceWithProperties(resourceConstructor: TerraformConstructor, properties: Record<string, unknown>): R;
      toHaveProviderWithProperties(providerConstructor: TerraformConstructor, properties: Record<string, unknown>): R;
    }
  }
}
export {};
