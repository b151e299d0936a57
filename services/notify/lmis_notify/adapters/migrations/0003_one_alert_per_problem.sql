-- One open alert per subject and rule: the alert says how many deadlines of its rule have
-- passed unfixed (a loan: instalments missed) and, for a loan, the amount overdue; the rules
-- remember what has been paid towards a loan's schedule to work that amount out.
alter table alerts add column missed integer not null default 1;
alter table alerts add column amount_vnd bigint;
alter table alerts add column updated_at timestamptz;
alter table alert_subjects add column paid_vnd bigint not null default 0;
