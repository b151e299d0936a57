-- What the recruitment watch counts (`application/recruitment.py`): one row per signal (a
-- contract above the fee ceiling, a complaint, a contract through an unlicensed intermediary),
-- keyed by its source so a replay adds nothing. Derived from events: `lmis rebuild notify`
-- clears and replays it.
create table recruitment_signals (
    subject_id  uuid not null,   -- the organisation, or the commune (domain/recruitment.py)
    kind        text not null,
    source_id   uuid not null,   -- the worker file (a contract) or the complaint's event
    on_day      date not null,
    primary key (subject_id, kind, source_id)
);

create index recruitment_signals_window on recruitment_signals (subject_id, on_day);
