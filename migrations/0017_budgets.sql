-- Running period totals, budget alerts and the hard limit, all kept by the database in the
-- statement that records (or changes, or deletes) cost events, so raw SQL is counted, alerted and
-- refused exactly like recordCosts. Hand-written. See docs/modules/billing.md.
--
-- The tenant's billing settings live in tenants (written only in the system context):
--   max_monthly_spend            the monthly budget (USD)
--   settings.timeZone            the IANA time zone of its days, weeks and months (default UTC)
--   settings.billing.budgets     {"daily": "5.00", "weekly": "20.00"}: further per-period budgets
--   settings.billing.thresholds  whole percentages that raise an alert (default [50, 80, 100])
--   settings.billing.hardLimit   true: once a period's spend reaches its budget, recording more
--                                cost in that period is refused (SQLSTATE TD012, BUDGET_EXCEEDED)
--
-- Writers are SECURITY DEFINER functions owned by tenantdb_system, executable by nobody else:
-- the application role can read cost_period_totals but not write it, so it cannot lower its own
-- spend. Locks are taken in one order (tenant, then period name, then period start), so
-- concurrent recorders of one tenant queue on the period rows instead of deadlocking; that queue
-- is what makes the spend, the alert dedupe and the hard limit exact under concurrency.

-- 1. The tenant's time zone (a setting; UTC when unset). No SET clause, so the planner inlines
-- it (costSummary calls it per query); the operator is schema-qualified instead, so no
-- search_path can redirect it.
CREATE OR REPLACE FUNCTION tenantdb.time_zone_of(p_settings jsonb) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT COALESCE(NULLIF(p_settings OPERATOR(pg_catalog.->>) 'timeZone', ''), 'UTC') $$;
--> statement-breakpoint
-- 2. {"llm": "0.5"} + {"llm": "0.25", "tts": "1"} = {"llm": "0.75", "tts": "1"} (decimal strings, exact).
CREATE OR REPLACE FUNCTION tenantdb.add_amounts(p_a jsonb, p_b jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT COALESCE(jsonb_object_agg(k, (COALESCE((p_a ->> k)::numeric, 0) + COALESCE((p_b ->> k)::numeric, 0))::text), '{}'::jsonb)
    FROM (SELECT jsonb_object_keys(p_a) UNION SELECT jsonb_object_keys(p_b)) AS keys(k)
  $$;
--> statement-breakpoint
-- 3. Compares one period's spend with its budget: raises, re-opens and escalates the period's
-- alerts (one per threshold: the unique key dedupes concurrent recorders), resolves those the spend
-- fell back under, and refuses more cost once over a hard limit. p_old is the spend before the
-- statement, p_new after it (equal when only re-evaluating a changed budget).
CREATE OR REPLACE FUNCTION tenantdb.evaluate_budget(
  p_tenant uuid, p_monthly numeric, p_settings jsonb, p_period public.budget_period,
  p_start timestamptz, p_old numeric, p_new numeric
) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_budget numeric;
  v_percent integer;
  v_amount numeric(12, 2);
  v_severity public.alert_severity;
  v_alert uuid;
BEGIN
  v_budget := CASE p_period
    WHEN 'monthly' THEN p_monthly
    ELSE NULLIF(p_settings #>> ARRAY['billing', 'budgets', p_period::text], '')::numeric
  END;
  IF v_budget IS NULL THEN
    -- No budget (any more): nothing can be over it.
    UPDATE public.budget_alerts SET resolved = true, resolved_at = now()
      WHERE tenant_id = p_tenant AND period = p_period AND period_start = p_start AND NOT resolved;
    RETURN;
  END IF;
  IF p_new > p_old AND p_old >= v_budget AND COALESCE((p_settings #>> '{billing,hardLimit}')::boolean, false) THEN
    RAISE EXCEPTION 'tenant % is over its % budget (% of % USD spent since %): recording more cost is refused',
      p_tenant, p_period, p_old, v_budget, p_start
      USING ERRCODE = 'TD012',
            HINT = 'The hard limit is on. Raise the budget (setBudget) or turn the hard limit off; nothing was recorded.';
  END IF;
  v_severity := CASE WHEN p_new >= v_budget THEN 'critical' ELSE 'warning' END;
  FOR v_percent IN
    SELECT DISTINCT x::integer FROM jsonb_array_elements_text(COALESCE(p_settings #> '{billing,thresholds}', '[50, 80, 100]')) AS x
    ORDER BY 1
  LOOP
    v_amount := round(v_budget * v_percent / 100, 2);
    IF p_new >= v_amount THEN
      v_alert := NULL;
      INSERT INTO public.budget_alerts AS a
          (tenant_id, period, period_start, threshold_percent, threshold, current_spend, severity, notification_pending)
        VALUES (p_tenant, p_period, p_start, v_percent, v_amount, p_new, v_severity, true)
        ON CONFLICT (tenant_id, period, period_start, threshold_percent) DO UPDATE
          SET resolved = false, resolved_at = NULL, severity = excluded.severity, threshold = excluded.threshold,
              current_spend = excluded.current_spend, notification_pending = true,
              triggered_at = CASE WHEN a.resolved THEN excluded.triggered_at ELSE a.triggered_at END
          -- Only a change is written (and notified): re-opened, escalated or de-escalated, a moved budget.
          WHERE a.resolved OR a.severity <> excluded.severity OR a.threshold <> excluded.threshold
        RETURNING a.id INTO v_alert;
      -- Not on Citus: the trigger runs on a worker, where nobody listens, and a worker that has
      -- notified cannot take part in a two-phase commit (checkBudgets is the outbox there).
      IF v_alert IS NOT NULL AND to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        PERFORM pg_notify('tenantdb_budget_alert', json_build_object(
          'tenantId', p_tenant, 'alertId', v_alert, 'period', p_period, 'periodStart', p_start,
          'thresholdPercent', v_percent, 'threshold', v_amount::text, 'spend', p_new::text, 'budget', v_budget::text,
          'severity', v_severity)::text);
      END IF;
    ELSE
      UPDATE public.budget_alerts SET resolved = true, resolved_at = now(), current_spend = p_new
        WHERE tenant_id = p_tenant AND period = p_period AND period_start = p_start
          AND threshold_percent = v_percent AND NOT resolved;
    END IF;
  END LOOP;
END $$;
--> statement-breakpoint
-- 4. Applies cost deltas ([{t: tenant, at: occurred_at, s: service, a: amount, n: events}], amounts
-- negative for deleted rows) to the running totals of each tenant's day, week and month, then
-- evaluates each period's budget.
CREATE OR REPLACE FUNCTION tenantdb.apply_cost_deltas(p_deltas jsonb) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_tenant record;
  v_tz text;
  g record;
  v_new numeric;
BEGIN
  FOR v_tenant IN
    SELECT t.id, t.max_monthly_spend, t.settings FROM public.tenants t
    WHERE t.id IN (SELECT DISTINCT (e ->> 't')::uuid FROM jsonb_array_elements(p_deltas) AS e)
    ORDER BY t.id
  LOOP
    v_tz := tenantdb.time_zone_of(v_tenant.settings);
    FOR g IN
      WITH d AS (
        SELECT (e ->> 'at')::timestamptz AS at, e ->> 's' AS service, (e ->> 'a')::numeric AS amount, (e ->> 'n')::integer AS n
        FROM jsonb_array_elements(p_deltas) AS e WHERE (e ->> 't')::uuid = v_tenant.id
      ), per_service AS (
        SELECT p.period, p.unit, date_trunc(p.unit, d.at, v_tz) AS start, d.service, sum(d.amount) AS amount, sum(d.n) AS n
        FROM d CROSS JOIN (VALUES ('daily', 'day'), ('weekly', 'week'), ('monthly', 'month')) AS p(period, unit)
        GROUP BY 1, 2, 3, 4
      )
      SELECT period, unit, start, sum(amount) AS amount, sum(n)::integer AS n,
             jsonb_object_agg(service, amount::text) AS breakdown
      FROM per_service GROUP BY 1, 2, 3 ORDER BY 1, 3
    LOOP
      INSERT INTO public.cost_period_totals AS c
          (tenant_id, period, period_start, period_end, time_zone, spend, event_count, breakdown)
        VALUES (v_tenant.id, g.period::public.budget_period, g.start,
                ((g.start AT TIME ZONE v_tz) + ('1 ' || g.unit)::interval) AT TIME ZONE v_tz,
                v_tz, g.amount, g.n, g.breakdown)
        ON CONFLICT (tenant_id, period, period_start) DO UPDATE
          SET spend = c.spend + excluded.spend, event_count = c.event_count + excluded.event_count,
              breakdown = tenantdb.add_amounts(c.breakdown, excluded.breakdown),
              version = c.version + 1, dirty = true
        RETURNING c.spend INTO v_new;
      PERFORM tenantdb.evaluate_budget(v_tenant.id, v_tenant.max_monthly_spend, v_tenant.settings,
                                       g.period::public.budget_period, g.start, v_new - g.amount, v_new);
    END LOOP;
  END LOOP;
END $$;
--> statement-breakpoint
-- 5. The triggers: one statement-level trigger per command (transition tables allow one event each).
CREATE OR REPLACE FUNCTION tenantdb.track_cost_periods() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_deltas jsonb;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT jsonb_agg(jsonb_build_object('t', tenant_id, 'at', occurred_at, 's', service, 'a', cost_usd, 'n', 1))
      INTO v_deltas FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT jsonb_agg(jsonb_build_object('t', tenant_id, 'at', occurred_at, 's', service, 'a', -cost_usd, 'n', -1))
      INTO v_deltas FROM old_rows;
  ELSE
    SELECT jsonb_agg(x) INTO v_deltas FROM (
      SELECT jsonb_build_object('t', tenant_id, 'at', occurred_at, 's', service, 'a', -cost_usd, 'n', -1) FROM old_rows
      UNION ALL
      SELECT jsonb_build_object('t', tenant_id, 'at', occurred_at, 's', service, 'a', cost_usd, 'n', 1) FROM new_rows
    ) AS u(x);
  END IF;
  IF v_deltas IS NOT NULL THEN
    PERFORM tenantdb.apply_cost_deltas(v_deltas);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS track_cost_periods_insert ON public.cost_events;
--> statement-breakpoint
DROP TRIGGER IF EXISTS track_cost_periods_update ON public.cost_events;
--> statement-breakpoint
DROP TRIGGER IF EXISTS track_cost_periods_delete ON public.cost_events;
--> statement-breakpoint
CREATE TRIGGER track_cost_periods_insert AFTER INSERT ON public.cost_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tenantdb.track_cost_periods();
--> statement-breakpoint
CREATE TRIGGER track_cost_periods_update AFTER UPDATE ON public.cost_events
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tenantdb.track_cost_periods();
--> statement-breakpoint
CREATE TRIGGER track_cost_periods_delete AFTER DELETE ON public.cost_events
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tenantdb.track_cost_periods();
--> statement-breakpoint
-- 6. Re-evaluates a tenant's current day, week and month against its budgets (after a budget,
-- threshold or time-zone change: a raised budget resolves its alerts, a lowered one raises them).
CREATE OR REPLACE FUNCTION tenantdb.reevaluate_budgets(p_tenant uuid) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_tenant record;
  v_tz text;
  p record;
  v_start timestamptz;
  v_spend numeric;
BEGIN
  SELECT t.id, t.max_monthly_spend, t.settings INTO v_tenant FROM public.tenants t WHERE t.id = p_tenant;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  v_tz := tenantdb.time_zone_of(v_tenant.settings);
  FOR p IN SELECT * FROM (VALUES ('daily', 'day'), ('monthly', 'month'), ('weekly', 'week')) AS x(period, unit) LOOP
    v_start := date_trunc(p.unit, now(), v_tz);
    SELECT c.spend INTO v_spend FROM public.cost_period_totals c
      WHERE c.tenant_id = p_tenant AND c.period = p.period::public.budget_period AND c.period_start = v_start;
    v_spend := COALESCE(v_spend, 0);
    PERFORM tenantdb.evaluate_budget(p_tenant, v_tenant.max_monthly_spend, v_tenant.settings,
                                     p.period::public.budget_period, v_start, v_spend, v_spend);
  END LOOP;
END $$;
--> statement-breakpoint
-- 7. Only tenantdb_system runs the writers (the triggers run them as their owner).
ALTER FUNCTION tenantdb.evaluate_budget(uuid, numeric, jsonb, public.budget_period, timestamptz, numeric, numeric) OWNER TO tenantdb_system;
--> statement-breakpoint
ALTER FUNCTION tenantdb.apply_cost_deltas(jsonb) OWNER TO tenantdb_system;
--> statement-breakpoint
ALTER FUNCTION tenantdb.track_cost_periods() OWNER TO tenantdb_system;
--> statement-breakpoint
ALTER FUNCTION tenantdb.reevaluate_budgets(uuid) OWNER TO tenantdb_system;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.evaluate_budget(uuid, numeric, jsonb, public.budget_period, timestamptz, numeric, numeric),
  tenantdb.apply_cost_deltas(jsonb), tenantdb.track_cost_periods(), tenantdb.reevaluate_budgets(uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.reevaluate_budgets(uuid) TO tenantdb_system;
--> statement-breakpoint
-- 8. Rebuilds every running total from the cost events: the period totals (all due for the
-- rollup) and the conversations' totals. For data loaded with triggers off (a bulk load with
-- session_replication_role = replica) and for this migration. Recording waits meanwhile (a SHARE
-- lock on cost_events; on Citus, run it when nothing records). Returns the period totals written.
CREATE OR REPLACE FUNCTION tenantdb.rebuild_cost_totals() RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_rows bigint;
BEGIN
  IF to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
    LOCK TABLE public.cost_events IN SHARE MODE;
  END IF;
  DELETE FROM public.cost_period_totals;
  INSERT INTO public.cost_period_totals (tenant_id, period, period_start, period_end, time_zone, spend, event_count, breakdown)
  SELECT tenant_id, period::public.budget_period, start, ((start AT TIME ZONE tz) + ('1 ' || unit)::interval) AT TIME ZONE tz,
         tz, sum(amount), sum(n)::integer, jsonb_object_agg(service, amount::text)
  FROM (
    SELECT e.tenant_id, p.period, p.unit, tenantdb.time_zone_of(t.settings) AS tz,
           date_trunc(p.unit, e.occurred_at, tenantdb.time_zone_of(t.settings)) AS start,
           e.service, sum(e.cost_usd) AS amount, count(*) AS n
    FROM public.cost_events e JOIN public.tenants t ON t.id = e.tenant_id
    CROSS JOIN (VALUES ('daily', 'day'), ('weekly', 'week'), ('monthly', 'month')) AS p(period, unit)
    GROUP BY 1, 2, 3, 4, 5, 6
  ) AS per_service
  GROUP BY tenant_id, period, unit, tz, start;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  UPDATE public.conversations c SET total_cost_usd = COALESCE(s.total, 0)
    FROM (SELECT tenant_id, conversation_id, sum(cost_usd) AS total FROM public.cost_events
          WHERE conversation_id IS NOT NULL GROUP BY tenant_id, conversation_id) s
    WHERE c.tenant_id = s.tenant_id AND c.id = s.conversation_id AND c.total_cost_usd IS DISTINCT FROM s.total;
  RETURN v_rows;
END $$;
--> statement-breakpoint
ALTER FUNCTION tenantdb.rebuild_cost_totals() OWNER TO tenantdb_system;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.rebuild_cost_totals() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.rebuild_cost_totals() TO tenantdb_system;
--> statement-breakpoint
SELECT tenantdb.rebuild_cost_totals();
