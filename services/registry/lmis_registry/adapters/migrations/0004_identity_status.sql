-- The file's identity status (`domain/workers/checks.py`): verified, unverified or mismatch,
-- from the population register's check at registration and the commune police's residence
-- checks. Files not verified are the follow-up list (`GET /v1/workers?identity=unverified`).
-- Rows written before this column existed are unverified until `lmis rebuild registry`.
alter table worker_list add column identity_status text not null default 'unverified';
create index worker_list_identity on worker_list (identity_status, registered_on desc)
    where identity_status <> 'verified';
