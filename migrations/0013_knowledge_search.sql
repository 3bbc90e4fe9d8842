ALTER TABLE "global_knowledge_chunks" ADD COLUMN "embedding_model" text DEFAULT 'tenantdb-local-hash-v1' NOT NULL;--> statement-breakpoint
ALTER TABLE "knowledge_chunks" ADD COLUMN "embedding_model" text DEFAULT 'tenantdb-local-hash-v1' NOT NULL;--> statement-breakpoint
CREATE INDEX "knowledge_chunks_tenant_model_idx" ON "knowledge_chunks" USING btree ("tenant_id","embedding_model");--> statement-breakpoint
-- Knowledge search's HNSW settings for one query, transaction-local: pgvector 0.8's iterative
-- index scan (a filtered HNSW scan that goes on until it has enough rows, instead of returning
-- fewer than k), the candidate list size and the scan's bound; relaxed_order, since search ranks
-- the list by distance itself. With p_prefer_index the planner is steered to the HNSW scan
-- (enable_sort off): from ef_search 60 on, measured on 50,000 chunks, it chose the tenant index
-- and a sort of the tenant's 8,000 rows (31 ms) over the index scan (3.4 ms, recall 0.99). The
-- penalty that setting adds to the plan's cost crosses jit_above_cost, and JIT compiling the
-- search statement took 280 ms: JIT is off with it. tenantdb.reset_vector_search() puts both
-- back for the rest of the caller's transaction.
-- Stand-alone SET LOCAL, as in open_context (the form Citus forwards to its workers), formatted
-- from typed arguments. Hand-written.
CREATE OR REPLACE FUNCTION tenantdb.vector_search_settings(p_ef_search integer, p_max_scan_tuples integer,
    p_prefer_index boolean)
  RETURNS void
  LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF p_ef_search IS NULL OR p_ef_search < 1 OR p_ef_search > 1000
     OR p_max_scan_tuples IS NULL OR p_max_scan_tuples < 1 THEN
    RAISE EXCEPTION 'vector_search_settings: ef_search must be 1-1000 and max_scan_tuples positive'
      USING ERRCODE = '22023';
  END IF;
  EXECUTE pg_catalog.format(
    'SET LOCAL hnsw.iterative_scan = relaxed_order; SET LOCAL hnsw.ef_search = %s; SET LOCAL hnsw.max_scan_tuples = %s',
    p_ef_search, p_max_scan_tuples);
  IF p_prefer_index THEN
    SET LOCAL enable_sort = off;
    SET LOCAL jit = off;
  END IF;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.vector_search_settings(integer, integer, boolean) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.vector_search_settings(integer, integer, boolean) TO tenantdb_app, tenantdb_system;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tenantdb.reset_vector_search() RETURNS void
  LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  SET LOCAL enable_sort TO DEFAULT;
  SET LOCAL jit TO DEFAULT;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.reset_vector_search() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.reset_vector_search() TO tenantdb_app, tenantdb_system;
