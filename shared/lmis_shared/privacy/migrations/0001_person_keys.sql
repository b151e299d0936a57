-- person_keys: each person's data key, wrapped by the service's master key
-- (lmis_shared.privacy). The personal fields of the person's events are sealed with it;
-- erasing the person destroys it (wrapped_key and master_key_id set to null, who/when/why
-- kept), which makes those fields unreadable in the event store, on the topics and in the
-- dead-letter copies alike. The subject is the person's file: its stream id.
create table person_keys (
    subject_id     uuid primary key,
    wrapped_key    bytea,
    master_key_id  text,
    created_at     timestamptz not null,
    erased_at      timestamptz,
    erased_by      text,
    erased_why     text,
    check ((wrapped_key is null) = (erased_at is not null))
);
