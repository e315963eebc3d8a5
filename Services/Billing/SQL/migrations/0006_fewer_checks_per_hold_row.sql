-- Holds and their parts are written only by the ledger functions, under the account's row
-- lock, after the account exists and from the account's own lots. The foreign keys repeated
-- that per row (a locking lookup of the account, the hold and the lot for each part: a fifth
-- of a batch's time, docs/performance.md); the tests' ledger invariants check the stronger fact that
-- every part is of one of its account's lots.
ALTER TABLE holds DROP CONSTRAINT IF EXISTS holds_account_id_fkey;
ALTER TABLE hold_lots DROP CONSTRAINT IF EXISTS hold_lots_hold_id_fkey;
ALTER TABLE hold_lots DROP CONSTRAINT IF EXISTS hold_lots_lot_id_fkey;
-- Entries arrive in time order and reports read them by time range: a block-range index
-- answers that at almost no cost per insert.
DROP INDEX ledger_entries_created;
CREATE INDEX ledger_entries_created ON ledger_entries USING brin (created_at);
