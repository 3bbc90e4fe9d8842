/** Analytics: the tenant's daily analytics snapshots (sessions, users, conversions, revenue). */
export { recordAnalyticsSnapshots, type AnalyticsSnapshot, type AnalyticsSnapshotInput } from './snapshot.ts';
