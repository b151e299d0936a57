-- Events stay immutable, with one exception made for `lmis privacy migrate` (issue 10): an
-- existing store whose personal fields were written in clear is rewritten ONCE to their sealed
-- form (lmis_shared.privacy.migrate). That run, as the schema's owner, sets the transaction
-- setting `lmis.seal_personal_data` to 'on'; an UPDATE is allowed only then, and only of the
-- `data` column (the row trigger below refuses any other change). Deletes and truncates stay
-- refused, whoever asks.
create or replace function events_are_append_only() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE'
        and current_setting('lmis.seal_personal_data', true) = 'on'
        and pg_has_role(current_user, (select relowner from pg_class where oid = tg_relid), 'MEMBER')
    then
        return null;
    end if;
    raise exception 'events are append-only (% refused)', tg_op
        using errcode = 'restrict_violation';
end;
$$;

create function events_sealing_changes_data_only() returns trigger language plpgsql as $$
begin
    if (new.tx_id, new.seq, new.event_id, new.event_type, new.stream_id, new.stream_type,
        new.version, new.recorded_at, new.actor, new.correlation_id, new.causation_id,
        new.traceparent, new.source)
       is distinct from
       (old.tx_id, old.seq, old.event_id, old.event_type, old.stream_id, old.stream_type,
        old.version, old.recorded_at, old.actor, old.correlation_id, old.causation_id,
        old.traceparent, old.source)
    then
        raise exception 'sealing personal data may change an event''s data only'
            using errcode = 'restrict_violation';
    end if;
    return new;
end;
$$;

create trigger events_sealing_changes_data_only
    before update on events
    for each row execute function events_sealing_changes_data_only();
