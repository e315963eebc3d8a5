-- What the gallery shows under a result and searches: the first input's file name, or a
-- generation's prompt (Submissions.title). A constant default: no rewrite, and the previous
-- release's inserts (which do not name it) still work during a rolling upgrade.
ALTER TABLE jobs ADD COLUMN title text NOT NULL DEFAULT '';
