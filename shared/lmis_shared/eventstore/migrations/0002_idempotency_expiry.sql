-- Idempotency records expire (24 hours by default, `LMIS_IDEMPOTENCY_TTL_HOURS`): the command
-- path drops an expired one when its key comes back, and `forget_responses` clears the rest
-- by age, which this index serves. Keys are bound to the caller and the command by the
-- command path (`lmis_shared.commands.path.bound_key`), in the key itself: the append stays
-- the one statement it is.
create index idempotency_recorded_at on idempotency (recorded_at);
