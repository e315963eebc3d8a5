-- Notifications: one row per event an account was told about (the in-app list), unique by the
-- reporting service's event key so a repeated report changes nothing. The text is rendered when
-- read or mailed, in the account's language at that time, from the kind and its parameters.
CREATE TABLE notifications (
    id bigserial PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    kind text NOT NULL,
    event_key text NOT NULL UNIQUE,
    params jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at timestamptz
);
CREATE INDEX notifications_by_account ON notifications (account_id, id DESC);
CREATE INDEX notifications_unread ON notifications (account_id) WHERE read_at IS NULL;

-- An account's choice per kind; no row means the kind's default (Notifications/NotificationKind).
CREATE TABLE notification_preferences (
    account_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    kind text NOT NULL,
    mail boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, kind)
);

-- The key unsubscribe links are signed with, made by the first Auth that needs it.
CREATE TABLE unsubscribe_keys (
    id integer PRIMARY KEY CHECK (id = 1),
    key bytea NOT NULL CHECK (octet_length(key) = 32)
);

-- Mail may carry an HTML part beside the text, a one-click unsubscribe address (RFC 8058) and
-- files (a receipt's invoice).
ALTER TABLE outbox ADD COLUMN html text, ADD COLUMN unsubscribe_url text;
CREATE TABLE outbox_attachments (
    outbox_id bigint NOT NULL REFERENCES outbox ON DELETE CASCADE,
    position integer NOT NULL,
    name text NOT NULL,
    content_type text NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (outbox_id, position)
);
