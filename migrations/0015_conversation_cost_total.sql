-- conversations.total_cost_usd kept by the database: every cost event of a conversation adds its
-- cost (and an update or delete of one moves it), in the same statement's transaction, with
-- `total = total + x` under the row lock, so concurrent recorders never lose an update, and raw
-- SQL is counted the same as recordCosts. Hand-written.
--
-- Runs as the caller (the application role under RLS: the conversation is the tenant's own, which
-- the composite foreign key guarantees). On Citus the trigger fires on the cost_events shard and
-- updates the co-located conversations shard on the same node (tenant_id is in both keys).
CREATE OR REPLACE FUNCTION tenantdb.track_conversation_cost() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.conversation_id IS NOT NULL THEN
    UPDATE public.conversations SET total_cost_usd = total_cost_usd - OLD.cost_usd
      WHERE tenant_id = OLD.tenant_id AND id = OLD.conversation_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.conversation_id IS NOT NULL THEN
    UPDATE public.conversations SET total_cost_usd = total_cost_usd + NEW.cost_usd
      WHERE tenant_id = NEW.tenant_id AND id = NEW.conversation_id;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS track_conversation_cost ON public.cost_events;
--> statement-breakpoint
CREATE TRIGGER track_conversation_cost AFTER INSERT OR DELETE OR UPDATE OF cost_usd, conversation_id ON public.cost_events
  FOR EACH ROW EXECUTE FUNCTION tenantdb.track_conversation_cost();
--> statement-breakpoint
-- Totals of the conversations that already have cost events: their events' sum.
UPDATE public.conversations c SET total_cost_usd = s.total
  FROM (SELECT tenant_id, conversation_id, sum(cost_usd) AS total FROM public.cost_events
        WHERE conversation_id IS NOT NULL GROUP BY tenant_id, conversation_id) s
  WHERE c.tenant_id = s.tenant_id AND c.id = s.conversation_id AND c.total_cost_usd IS DISTINCT FROM s.total;
