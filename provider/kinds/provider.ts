/** What the engine exchanges with a kind, through the dynamic-provider shim. */

/** The value Pulumi's dynamic-provider host puts in place of an input that is not known yet. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Props = Record<string, any>;
export interface CheckFailure {
  property: string;
  reason: string;
}
export interface CheckResult {
  inputs: Props;
  failures: CheckFailure[];
}
export interface DiffResult {
  changes: boolean;
  replaces: string[];
  /** Inputs that change in place (for people: the engine reads changes and replaces only). */
  updates?: string[];
  deleteBeforeReplace: boolean;
}
export interface ReadResult {
  id?: string;
  props?: Props;
}

/** A kind as the dynamic-provider shim calls it. */
export interface Provider {
  check(olds: Props, news: Props): Promise<CheckResult>;
  diff(id: string, olds: Props, news: Props): Promise<DiffResult>;
  create(inputs: Props): Promise<{ id: string; outs: Props }>;
  read(id: string, props: Props): Promise<ReadResult>;
  update(id: string, olds: Props, news: Props): Promise<{ outs: Props }>;
  delete(id: string, props: Props): Promise<void>;
}
