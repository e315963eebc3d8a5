-- Chunks of uploads in progress, when STORAGE_STAGING=database: every Storage replica sees every
-- upload's bytes, so an upload's chunks may arrive at any replica (several replicas behind one
-- address). Removed with their upload; a commit copies them into a blob and deletes them.
CREATE TABLE upload_chunks (
    upload_id uuid NOT NULL REFERENCES uploads ON DELETE CASCADE,
    offset_bytes bigint NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (upload_id, offset_bytes)
);
