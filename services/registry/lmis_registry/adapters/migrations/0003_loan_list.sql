-- loan_list: the loan list's read model, one row per loan, written in the transaction that
-- appends the loan's events and rebuildable from the event store (`lmis rebuild registry`).
-- Overdue moves with the calendar, not with events, so it is not stored: the row keeps the
-- schedule as (due date, amount due through that instalment) and what was paid towards it,
-- and a query computes the arrears as of its day (the rule of `domain/loans/position.py`:
-- repayments settle the oldest instalments first; an instalment is overdue from the day after
-- its due date while any of it is unpaid).
create table loan_list (
    loan_id              uuid primary key,
    version              bigint  not null,
    status               text    not null,
    purpose              text    not null,
    worker_id            uuid    not null,
    commune_code         text    not null,
    province_code        text    not null,
    applied_on           date    not null,
    amount_vnd           bigint  not null,   -- disbursed, else approved, else applied for
    disbursed_on         date,
    outstanding_vnd      bigint  not null,   -- principal not yet repaid (0 unless running)
    paid_vnd             bigint  not null,   -- paid towards the current schedule
    due_dates            date[]  not null,   -- the current schedule's due dates, in order
    due_through_vnd      bigint[] not null,  -- principal + interest due through each of them
    first_unpaid_due_on  date                -- oldest instalment not paid in full (running)
);

create index loan_list_order on loan_list (applied_on desc, loan_id desc);
create index loan_list_commune on loan_list (commune_code, applied_on desc, loan_id desc);
create index loan_list_province on loan_list (province_code, applied_on desc, loan_id desc);
create index loan_list_unpaid on loan_list (first_unpaid_due_on)
    where first_unpaid_due_on is not null;
