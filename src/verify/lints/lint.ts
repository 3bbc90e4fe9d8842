/**
 * The building blocks of the catalogue lints: a lint (a stable id and the check's title), a
 * family of lints that share their catalogue queries, and the context a family runs in. The
 * families themselves are listed once, in `./index.ts`; everything else (the families `doctor`
 * shows, the contract the drift test asserts, the ids in `tenantdb verify`'s output) is derived
 * from that list.
 */
import type { RawSession } from '../../db/database.ts';
import type { CheckItem } from '../check.ts';
import type { CatalogueTable } from './catalogue.ts';

/** One catalogue check. `id` is `<family>.<name>`, stable across releases: filter on it, not on `check`. */
export interface Lint<Id extends string = string> {
  readonly id: Id;
  /** The check's title in reports; a function of the application role when the title names it. */
  readonly check: string | ((app: string) => string);
}

/** What a family's lints run with. */
export interface LintContext {
  readonly session: RawSession;
  /** Schemas holding application tables. */
  readonly schemas: string[];
  /** The application role. */
  readonly app: string;
  /** The ordinary and partitioned tables of `schemas`, loaded once per run by the first family that asks. */
  tables(): Promise<CatalogueTable[]>;
}

/** Records one result of `lint` on `object`: `detail` says what was seen, or what is wrong and how to fix it. */
export type LintReport<Id extends string> = (lint: Lint<Id>, object: string, ok: boolean, detail: string) => void;

export interface LintFamilyConfig<Name extends string, Id extends `${Name}.${string}`> {
  /** The family's name, also the prefix of each of its lint ids. */
  name: Name;
  lints: readonly Lint<Id>[];
  run(context: LintContext, report: LintReport<Id>): Promise<void>;
}

export interface LintFamily<Name extends string = string, Id extends `${Name}.${string}` = `${Name}.${string}`> {
  readonly name: Name;
  readonly lints: readonly Lint<Id>[];
  /** Runs every lint of the family, returning one item per lint and object checked. */
  run(context: LintContext): Promise<CheckItem[]>;
}

export function lint<const Id extends string>(id: Id, check: Lint['check']): Lint<Id> {
  return { id, check };
}

/** A family of lints; its `run` may only report its own lints. */
export function lintFamily<const Name extends string, const Id extends `${Name}.${string}`>(
  config: LintFamilyConfig<Name, Id>,
): LintFamily<Name, Id> {
  return {
    name: config.name,
    lints: config.lints,
    async run(context) {
      const items: CheckItem[] = [];
      await config.run(context, (lint, object, ok, detail) => {
        const check = typeof lint.check === 'function' ? lint.check(context.app) : lint.check;
        items.push({ id: lint.id, check, object, ok, detail });
      });
      return items;
    },
  };
}
