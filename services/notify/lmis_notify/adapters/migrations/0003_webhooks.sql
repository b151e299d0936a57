-- Webhook subscriptions and their delivery log (search_path is set to notify's schema).
-- The delivery state lives here, so a restart of the delivery loop loses nothing: the cursor
-- moves only after the receiver acknowledged the record it points past.

create table webhook_subscriptions (
    id               uuid        primary key,
    feed             text        not null,
    owner            text        not null,
    role             text        not null,
    scope            text        not null,
    url              text        not null,
    event_types      text[],                 -- null: every type of the feed
    units            text[],                 -- null: every unit of the feed
    secret           text        not null,   -- whsec_...: the receiver verifies with it
    previous_secret  text,                   -- a rotated secret, still signed with until
    previous_until   timestamptz,
    status           text        not null check (status in ('active', 'paused')),
    failures         integer     not null default 0,
    cursor_tx        xid8        not null default '0',
    cursor_seq       bigint      not null default 0,
    next_attempt_at  timestamptz not null,
    created_at       timestamptz not null,
    revision         integer     not null default 0  -- every change: the loop and the API
                                                     -- never overwrite each other
);

create index webhook_subscriptions_due on webhook_subscriptions (next_attempt_at)
    where status = 'active';

create table webhook_deliveries (
    id               bigint      generated always as identity primary key,
    subscription_id  uuid        not null references webhook_subscriptions (id),
    message_id       text        not null,   -- webhook-id: the same on every attempt
    event_type       text        not null,
    subject          uuid        not null,   -- a stream id, never a person's identifier
    position         text        not null,
    attempt          integer     not null,
    attempted_at     timestamptz not null,
    status_code      integer,
    outcome          text        not null check (outcome in ('delivered', 'failed')),
    error            text                    -- a kind of failure, never a response body
);

create index webhook_deliveries_by_subscription on webhook_deliveries (subscription_id, id);
