-- The task queue's system side: the tenant-fair claim, the completion that writes the result (and
-- the cost) with the task, and the wake-up notification. Hand-written. See docs/modules/tasks.md.
--
-- A claimed task is `running` with a lease: `locked_by` (the worker) and `locked_until`. Every
-- write of a worker is guarded by (status = 'running', locked_by = the worker, attempts = the
-- attempt it claimed), so a worker whose lease expired and whose task was claimed again cannot
-- complete, fail or extend it any more: a task completes once.
--
-- Every query of a task names its tenant_id (on Citus: one shard, a router query); the only
-- queries across tenants are the claim's recovery step and its list of tenants with work.

-- 1. The claim: tenant-fair, honouring each tenant's max_concurrent_tasks across all workers.
--
-- Claimers run concurrently: FOR UPDATE SKIP LOCKED keeps them off each other's rows (pg-boss's
-- fetch). A tenant with a limit is claimed for by one claimer at a time: a transaction-level
-- advisory lock per tenant, tried (a claimer that does not get it leaves that tenant to the one
-- that has it, so claimers never wait on each other or deadlock), after which its running count
-- is read again — exact, so no two workers can both take the tenant's last free slot.
--
-- Fairness: the tenants with ready work (ACTIVE or TRIAL) are ordered by how many tasks they have
-- running (fewest first), then by how long their next task has waited, and the batch is dealt out
-- one task per tenant per round (round-robin), each tenant's share capped by its free slots. A
-- tenant with 10,000 queued tasks therefore gets one task per round like a tenant with one.
-- Within a tenant: priority (urgent first), then run_at, then id.
CREATE OR REPLACE FUNCTION tenantdb.claim_tasks(p_worker text, p_limit integer, p_lease_ms integer, p_types text[])
  RETURNS SETOF public.tasks
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_citus boolean := to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL;
  v_tenants uuid[];
  v_caps integer[];
  v_limits integer[];
  v_running bigint;
  v_rows public.tasks[];
  v_alloc integer[];
  v_left integer;
  v_n integer;
  v_got integer[];
  v_n_got integer;
  v_more boolean;
  v_exhausted boolean[];
  -- A constant for the statements: Citus refuses now() inside CASE in a multi-shard UPDATE.
  v_now timestamptz := now();
  i integer;
BEGIN
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
    RAISE EXCEPTION 'claim_tasks: limit must be 1-1000 (got %)', p_limit USING ERRCODE = '22023';
  END IF;
  IF p_lease_ms IS NULL OR p_lease_ms < 100 THEN
    RAISE EXCEPTION 'claim_tasks: lease must be at least 100 ms (got %)', p_lease_ms USING ERRCODE = '22023';
  END IF;

  -- Recovery: a lease that expired (its worker died or stalled) puts the task back in the queue,
  -- or fails it when it has used its attempts.
  -- (A read first: most claims find none, and on Citus an UPDATE goes to every shard. Two
  -- UPDATEs without CASE or column-built text: Citus refuses both in a multi-shard UPDATE.)
  IF EXISTS (SELECT 1 FROM public.tasks WHERE status = 'running' AND locked_until < v_now) THEN
    UPDATE public.tasks SET status = 'failed', completed_at = v_now, updated_at = v_now,
        error = 'lease expired: the worker stopped before finishing the last attempt',
        locked_by = NULL, locked_until = NULL
      WHERE status = 'running' AND locked_until < v_now AND attempts >= max_attempts;
    UPDATE public.tasks SET status = 'pending', updated_at = v_now,
        error = 'lease expired: the worker stopped before finishing the attempt',
        locked_by = NULL, locked_until = NULL
      WHERE status = 'running' AND locked_until < v_now;
  END IF;

  -- The tenants with ready work, in fair order, and each one's free slots.
  IF v_citus THEN
    -- Grouped by the distribution column: each shard answers for its tenants.
    SELECT array_agg(w.tenant_id ORDER BY w.running, w.next_at, w.tenant_id),
           array_agg(least(p_limit, COALESCE(te.max_concurrent_tasks - w.running, p_limit)) ORDER BY w.running, w.next_at, w.tenant_id),
           array_agg(te.max_concurrent_tasks ORDER BY w.running, w.next_at, w.tenant_id)
      INTO v_tenants, v_caps, v_limits
      FROM (SELECT t.tenant_id,
                   count(*) FILTER (WHERE t.status = 'running') AS running,
                   min(t.run_at) FILTER (WHERE t.status = 'pending' AND t.run_at <= now()
                                           AND (p_types IS NULL OR t.type = ANY (p_types))) AS next_at
              FROM public.tasks t
             WHERE t.status IN ('pending', 'running')
             GROUP BY t.tenant_id) w
      JOIN public.tenants te ON te.id = w.tenant_id
     WHERE w.next_at IS NOT NULL AND te.status IN ('ACTIVE', 'TRIAL')
       AND (te.max_concurrent_tasks IS NULL OR w.running < te.max_concurrent_tasks);
  ELSE
    -- A loose index scan: one probe of tasks_tenant_ready_idx per tenant with pending tasks, so
    -- the cost follows the number of tenants, not the length of the queue.
    WITH RECURSIVE pending(tenant_id) AS (
        (SELECT t.tenant_id FROM public.tasks t WHERE t.status = 'pending' ORDER BY t.tenant_id LIMIT 1)
      UNION ALL
        SELECT (SELECT t.tenant_id FROM public.tasks t
                 WHERE t.status = 'pending' AND t.tenant_id > p.tenant_id ORDER BY t.tenant_id LIMIT 1)
          FROM pending p WHERE p.tenant_id IS NOT NULL
    ), ready AS (
      SELECT p.tenant_id, n.next_at, te.max_concurrent_tasks,
             (SELECT count(*) FROM public.tasks r WHERE r.tenant_id = p.tenant_id AND r.status = 'running') AS running
        FROM pending p
        CROSS JOIN LATERAL (
          SELECT c.run_at AS next_at FROM public.tasks c
           WHERE c.tenant_id = p.tenant_id AND c.status = 'pending' AND c.run_at <= now()
             AND (p_types IS NULL OR c.type = ANY (p_types))
           ORDER BY c.priority DESC NULLS LAST, c.run_at, c.id LIMIT 1) n
        JOIN public.tenants te ON te.id = p.tenant_id
       WHERE p.tenant_id IS NOT NULL AND te.status IN ('ACTIVE', 'TRIAL')
    )
    SELECT array_agg(tenant_id ORDER BY running, next_at, tenant_id),
           array_agg(least(p_limit, COALESCE(max_concurrent_tasks - running, p_limit)) ORDER BY running, next_at, tenant_id),
           array_agg(max_concurrent_tasks ORDER BY running, next_at, tenant_id)
      INTO v_tenants, v_caps, v_limits
      FROM ready
     WHERE max_concurrent_tasks IS NULL OR running < max_concurrent_tasks;
  END IF;
  v_n := COALESCE(array_length(v_tenants, 1), 0);
  IF v_n = 0 THEN
    RETURN;
  END IF;

  -- Deal the batch out round-robin; a tenant that has fewer ready tasks than its share is
  -- exhausted and its remainder is dealt again to the others.
  v_left := p_limit;
  v_exhausted := array_fill(false, ARRAY[v_n]);
  -- The tenants with a limit: this claimer's alone for now, their free slots counted afresh.
  FOR i IN 1 .. v_n LOOP
    CONTINUE WHEN v_limits[i] IS NULL;
    IF pg_try_advisory_xact_lock(hashtextextended('tenantdb.claim_tasks:' || v_tenants[i]::text, 0)) THEN
      SELECT count(*) INTO v_running FROM public.tasks r WHERE r.tenant_id = v_tenants[i] AND r.status = 'running';
      v_caps[i] := least(p_limit, greatest(v_limits[i] - v_running, 0));
    ELSE
      v_caps[i] := 0;
    END IF;
  END LOOP;
  LOOP
    v_alloc := array_fill(0, ARRAY[v_n]);
    LOOP
      v_more := false;
      FOR i IN 1 .. v_n LOOP
        EXIT WHEN v_left = 0;
        IF NOT v_exhausted[i] AND v_alloc[i] < v_caps[i] THEN
          v_alloc[i] := v_alloc[i] + 1;
          v_left := v_left - 1;
          v_more := true;
        END IF;
      END LOOP;
      EXIT WHEN v_left = 0 OR NOT v_more;
    END LOOP;
    v_got := array_fill(0, ARRAY[v_n]);
    IF NOT v_citus THEN
      -- One UPDATE for every tenant of the round: each tenant's share picked by a LATERAL probe
      -- of its index, locked with SKIP LOCKED.
      WITH alloc AS (
        SELECT a.tenant_id, a.n FROM unnest(v_tenants, v_alloc) AS a(tenant_id, n) WHERE a.n > 0
      ), picked AS (
        SELECT p.tenant_id, p.id FROM alloc a
        CROSS JOIN LATERAL (
          SELECT c.tenant_id, c.id FROM public.tasks c
           WHERE c.tenant_id = a.tenant_id AND c.status = 'pending' AND c.run_at <= now()
             AND (p_types IS NULL OR c.type = ANY (p_types))
           ORDER BY c.priority DESC NULLS LAST, c.run_at, c.id
           LIMIT a.n
           FOR UPDATE SKIP LOCKED) p
      ), claimed AS (
        UPDATE public.tasks t SET status = 'running', attempts = t.attempts + 1, locked_by = p_worker,
               locked_until = now() + p_lease_ms * interval '1 millisecond', started_at = now(), updated_at = now()
          FROM picked
         WHERE t.tenant_id = picked.tenant_id AND t.id = picked.id
        RETURNING t.*
      )
      SELECT COALESCE(array_agg(claimed), '{}') INTO v_rows FROM claimed;
      RETURN QUERY SELECT * FROM unnest(v_rows);
      FOR i IN 1 .. v_n LOOP
        CONTINUE WHEN v_alloc[i] = 0;
        SELECT count(*) INTO v_n_got FROM unnest(v_rows) r WHERE r.tenant_id = v_tenants[i];
        v_got[i] := v_n_got;
      END LOOP;
    ELSE
      -- Citus: one router UPDATE per tenant (a LATERAL join over shards is not a router query).
      -- The picked rows in a CTE (pg-boss's form): as an IN (subquery) the planner may rescan the
      -- LIMIT per outer row and take them all.
      FOR i IN 1 .. v_n LOOP
        CONTINUE WHEN v_alloc[i] = 0;
        RETURN QUERY
          WITH picked AS (
            SELECT c.id FROM public.tasks c
             WHERE c.tenant_id = v_tenants[i] AND c.status = 'pending' AND c.run_at <= now()
               AND (p_types IS NULL OR c.type = ANY (p_types))
             ORDER BY c.priority DESC NULLS LAST, c.run_at, c.id
             LIMIT v_alloc[i]
             FOR UPDATE SKIP LOCKED)
          UPDATE public.tasks t SET status = 'running', attempts = t.attempts + 1, locked_by = p_worker,
                 locked_until = now() + p_lease_ms * interval '1 millisecond', started_at = now(), updated_at = now()
            FROM picked
           WHERE t.tenant_id = v_tenants[i] AND t.id = picked.id
          RETURNING t.*;
        GET DIAGNOSTICS v_n_got = ROW_COUNT;
        v_got[i] := v_n_got;
      END LOOP;
    END IF;
    -- A tenant that gave fewer than its share is exhausted: its remainder is dealt again.
    v_more := false;
    FOR i IN 1 .. v_n LOOP
      CONTINUE WHEN v_alloc[i] = 0;
      v_caps[i] := v_caps[i] - v_got[i];
      IF v_got[i] < v_alloc[i] THEN
        v_exhausted[i] := true;
        v_left := v_left + (v_alloc[i] - v_got[i]);
      ELSIF v_caps[i] > 0 THEN
        v_more := true;
      END IF;
    END LOOP;
    EXIT WHEN v_left = 0 OR NOT v_more;
  END LOOP;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.claim_tasks(text, integer, integer, text[]) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.claim_tasks(text, integer, integer, text[]) TO tenantdb_system;
--> statement-breakpoint
-- 2. Completion: each task of p_items (a JSON array of {id, tenantId, attempt, agent, status,
-- summary, output, tokensUsed, costUsd, service}) that the worker still holds in that attempt is
-- marked completed, and its agent result (and its cost event, when it cost something) written in
-- the same transaction. Returns the ids completed; an id missing from the answer lost its lease.
CREATE OR REPLACE FUNCTION tenantdb.complete_tasks(p_worker text, p_items jsonb)
  RETURNS SETOF uuid
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v record;
  v_type text;
BEGIN
  IF to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
    -- One statement for the batch: the tasks, their results and their cost events.
    RETURN QUERY
      WITH items AS (
        SELECT * FROM jsonb_to_recordset(p_items) AS x(id uuid, "tenantId" uuid, attempt integer, agent public.persona,
          status text, summary text, output jsonb, "tokensUsed" integer, "costUsd" numeric, service public.cost_service)
      ), done AS (
        UPDATE public.tasks t SET status = 'completed', completed_at = now(), error = NULL,
               locked_by = NULL, locked_until = NULL, updated_at = now()
          FROM items x
         WHERE t.tenant_id = x."tenantId" AND t.id = x.id AND t.status = 'running'
           AND t.locked_by = p_worker AND t.attempts = x.attempt
        RETURNING t.tenant_id, t.id, t.type
      ), results AS (
        INSERT INTO public.agent_results (tenant_id, task_id, agent, status, summary, output, tokens_used, cost_usd)
          SELECT d.tenant_id, d.id, COALESCE(x.agent, 'custom'), COALESCE(x.status, 'success'), x.summary,
                 COALESCE(x.output, '{}'::jsonb), x."tokensUsed", x."costUsd"
            FROM done d JOIN items x ON x.id = d.id
      ), costs AS (
        INSERT INTO public.cost_events (tenant_id, service, tokens_used, cost_usd, metadata)
          SELECT d.tenant_id, COALESCE(x.service, 'llm'), x."tokensUsed", x."costUsd",
                 jsonb_build_object('taskId', d.id, 'operation', d.type)
            FROM done d JOIN items x ON x.id = d.id
           WHERE x."costUsd" IS NOT NULL
      )
      SELECT d.id FROM done d;
    RETURN;
  END IF;
  -- Citus: one router statement at a time, per task.
  FOR v IN
    SELECT * FROM jsonb_to_recordset(p_items) AS x(id uuid, "tenantId" uuid, attempt integer, agent public.persona,
      status text, summary text, output jsonb, "tokensUsed" integer, "costUsd" numeric, service public.cost_service)
  LOOP
    UPDATE public.tasks SET status = 'completed', completed_at = now(), error = NULL,
           locked_by = NULL, locked_until = NULL, updated_at = now()
     WHERE tenant_id = v."tenantId" AND id = v.id AND status = 'running'
       AND locked_by = p_worker AND attempts = v.attempt
    RETURNING type INTO v_type;
    CONTINUE WHEN NOT FOUND;
    INSERT INTO public.agent_results (tenant_id, task_id, agent, status, summary, output, tokens_used, cost_usd)
      VALUES (v."tenantId", v.id, COALESCE(v.agent, 'custom'), COALESCE(v.status, 'success'), v.summary,
              COALESCE(v.output, '{}'::jsonb), v."tokensUsed", v."costUsd");
    IF v."costUsd" IS NOT NULL THEN
      INSERT INTO public.cost_events (tenant_id, service, tokens_used, cost_usd, metadata)
        VALUES (v."tenantId", COALESCE(v.service, 'llm'), v."tokensUsed", v."costUsd",
                jsonb_build_object('taskId', v.id, 'operation', v_type));
    END IF;
    RETURN NEXT v.id;
  END LOOP;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.complete_tasks(text, jsonb) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.complete_tasks(text, jsonb) TO tenantdb_system;
--> statement-breakpoint
-- 2b. A worker's cycle in one call: the completions it has, then the claim for its free slots
-- (in that order, so the slots the completions free count). The claimed tasks as a JSON array.
CREATE OR REPLACE FUNCTION tenantdb.complete_and_claim(p_worker text, p_items jsonb, p_limit integer,
    p_lease_ms integer, p_types text[])
  RETURNS TABLE (completed uuid[], claimed jsonb)
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  completed := ARRAY(SELECT tenantdb.complete_tasks(p_worker, p_items));
  IF p_limit > 0 THEN
    SELECT COALESCE(jsonb_agg(to_jsonb(c)), '[]'::jsonb) INTO claimed
      FROM tenantdb.claim_tasks(p_worker, p_limit, p_lease_ms, p_types) c;
  ELSE
    claimed := '[]'::jsonb;
  END IF;
  RETURN NEXT;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.complete_and_claim(text, jsonb, integer, integer, text[]) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.complete_and_claim(text, jsonb, integer, integer, text[]) TO tenantdb_system;
--> statement-breakpoint
-- 3. The wake-up: workers LISTEN on tenantdb_task and claim when a task is queued (they also poll,
-- for PgBouncer's transaction mode, future run_at and missed notifications). Not on Citus: the
-- trigger runs on a worker node, where nobody listens, and a node that notified cannot take part
-- in a two-phase commit; workers poll there.
CREATE OR REPLACE FUNCTION tenantdb.notify_task_queued() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
    PERFORM pg_notify('tenantdb_task', '');
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.notify_task_queued() FROM PUBLIC;
--> statement-breakpoint
DROP TRIGGER IF EXISTS tasks_notify_queued ON public.tasks;
--> statement-breakpoint
CREATE TRIGGER tasks_notify_queued AFTER INSERT ON public.tasks
  FOR EACH STATEMENT EXECUTE FUNCTION tenantdb.notify_task_queued();
