-- The notify service's alert tables (search_path is set to its schema).

-- What the rules remember of each stream they follow (the deadline projection's state).
create table alert_subjects (
    subject_id     uuid primary key,
    kind           text  not null,
    unit_code      text,
    province_code  text,
    schedule       jsonb not null default '[]',   -- a loan's [[number, "due date"], ...]
    report         jsonb,                         -- a report's {kind, unit_code, period}
    deadlines      jsonb not null default '[]'    -- set and not fixed: [["rule", "due"], ...]
);

-- Deadlines are data: set by the event that creates them, cancelled by the one that fixes
-- them, raised by the sweeper once the clock's today reaches `due_on`.
create table deadlines (
    subject_id  uuid not null,
    rule        text not null,
    due_on      date not null,
    status      text not null check (status in ('pending', 'raised', 'cancelled')),
    primary key (subject_id, rule, due_on)
);

create index deadlines_falling_due on deadlines (due_on) where status = 'pending';

-- The read model of the alert streams in this schema's event store, written in the same
-- transaction as their events. `version` is the alert stream's version.
create table alerts (
    id               uuid primary key,
    rule             text        not null,
    subject_id       uuid        not null,
    subject_kind     text        not null,
    unit_code        text,
    province_code    text,
    due_on           date        not null,
    report           jsonb,
    raised_at        timestamptz not null,
    resolved_at      timestamptz,
    acknowledged_by  text,
    acknowledged_at  timestamptz,
    version          integer     not null,
    status           text generated always as (
        case
            when resolved_at is not null then 'resolved'
            when acknowledged_at is not null then 'acknowledged'
            else 'open'
        end
    ) stored
);

create index alerts_newest on alerts (raised_at desc, id desc);
create index alerts_by_province on alerts (province_code, raised_at desc);
create index alerts_by_unit on alerts (unit_code, raised_at desc);
create index alerts_unresolved on alerts (subject_id, rule) where resolved_at is null;

-- Which units file which statutory reports (synced from the settings), and from when.
create table report_obligations (
    kind                  text not null,
    unit_code             text not null,
    province_code         text not null,
    since                 date not null,
    materialised_through  date,   -- report deadlines are stored up to this day
    primary key (kind, unit_code)
);

create table report_submissions (
    report_id     uuid primary key,
    kind          text not null,
    unit_code     text not null,
    period        text not null
);
