ALTER TABLE jobs DROP CONSTRAINT jobs_batch_id_fkey;
