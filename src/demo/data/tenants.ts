import { acme } from './acme.ts';
import { healthcare } from './healthcare.ts';
import { techstartup } from './techstartup.ts';
import type { SampleTenantSpec } from './spec.ts';

/** The sample organisations and people of seed 002, with believable data in every tenant table. */
export const SAMPLE_TENANTS: SampleTenantSpec[] = [acme, techstartup, healthcare];
