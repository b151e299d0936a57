"""Personal data protected by design: crypto-shredding of the personal fields of events.

Why: the event stores are append-only and kept for ever, and every event is copied to Kafka
topics, dead-letter topics and read models. An event cannot be deleted, so personal data is
written only in a form that can be made unreadable everywhere at once: each person (a worker,
a foreign worker: the subject, named by the stream id of their file) has a data key, the
personal fields of that person's events are encrypted with it before the append, and
destroying the key erases the data in every copy, history included.

    KeyWrapper (keys.py)        KMS-shaped port: wrap/unwrap data keys with a master key.
                                `LocalMasterKey`: AES key wrap (RFC 3394) under a 256-bit
                                master key from a file or LMIS_MASTER_KEY (generated under
                                <data_dir>/keys/master.key in embedded mode only; refused
                                missing outside it). A province HSM/KMS plugs in here.
    KeyStore (keystore.py)      the wrapped data keys, one row per subject in the service's
                                own schema (`person_keys`, `postgres.py`): subject, wrapped
                                key, master key id, created; erased_at/by/why once destroyed.
    envelope.py                 one personal field's value sealed with AES-256-GCM:
                                  {"$enc": "v1", "k": "<subject id>", "n": b64(12-byte nonce),
                                   "c": b64(ciphertext + 16-byte tag)}
                                the plaintext is the field's JSON (a whole `person` or `card`
                                group is one envelope); the associated data binds it to its
                                place: "lmis/v1|<event type>|<subject id>|<field>", so an
                                envelope copied into another event or person does not open.
    fields.py                   which top-level fields of an event are personal: the contracts'
                                marks (`person`, `card`, `x-personal-data`), read from the
                                event classes, so a new personal field needs no change here.
    personal.py                 `PersonalData`: seal before the append (in the append's
                                transaction: a subject's key is created with its first
                                personal event and destroyed by its erasure event), open when
                                the service reads its own events back (fold, history, rebuild).

Where: `PostgresEventStore(pool, schema, personal=...)` seals in its append (every path: one
command, a batch import) and opens in `read_stream`; `read_all` (the relay) never opens, so
the rows, the Kafka records and the dead-letter copies carry envelopes only. Consumers that
count (reporting, notify) read no personal field.

Erased: once a subject's key is destroyed, opening yields the field as `null` and the event
lists it in `RecordedEvent.erased`; folding validates such an event with neutral placeholders
(`fields.placeholders`), and the state's own erasure record (from the `...erased.v1` event)
tells views and read models to show `null` and `erased: true`.

Master key rotation (`lmis privacy rotate-master-key`): data keys are re-wrapped under the
current master key; events are untouched (they are sealed with the data keys).
"""
