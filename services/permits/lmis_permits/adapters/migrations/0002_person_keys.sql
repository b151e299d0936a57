-- person_keys: each foreign worker's data key, wrapped by the master key (lmis_shared.privacy).
-- The personal fields of the file's events (person, card) are sealed with it; erasing the
-- foreign worker destroys it (wrapped_key and master_key_id set to null, who/when/why kept).
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

-- an erased file's row keeps no name
alter table foreign_workers alter column full_name drop not null;
