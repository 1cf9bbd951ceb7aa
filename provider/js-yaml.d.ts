// The part of js-yaml (4.x, a dependency of @pulumi/pulumi too) that containerlab.ts uses.
declare module "js-yaml" {
  export function load(text: string, opts?: { filename?: string }): unknown;
}
