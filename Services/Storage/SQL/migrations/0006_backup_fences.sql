-- A backup copies the objects after dumping this database. While a fence stands (compose/backup
-- puts one up for the copy), a blob's last deletion leaves its object in place and records it in
-- deferred_removals; the sweeper removes those once no fence stands, so every object the dump
-- names is still there when the copy reaches it.
CREATE TABLE backup_fences (
    id uuid PRIMARY KEY,
    until timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE deferred_removals (
    sha256 text PRIMARY KEY,
    since timestamptz NOT NULL DEFAULT now()
);
