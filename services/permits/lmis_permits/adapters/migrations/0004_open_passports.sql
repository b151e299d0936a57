-- open_passports: one row per open foreign worker file, keyed by an HMAC of its nationality
-- and passport number (`domain/passports.py`), written in the append's transaction: a second
-- open file for the same passport is refused. Rebuilt by `lmis rebuild permits`.
create table open_passports (
    passport_key text primary key,
    file_id      uuid not null unique
);
