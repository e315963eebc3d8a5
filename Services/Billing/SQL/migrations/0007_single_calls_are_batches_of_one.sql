-- PlaceHold, Capture, Release, Spend and the expiry sweep go through billing_hold_batch and
-- billing_settle_batch: each ledger refusal is decided in one function. These were their twins.
DROP FUNCTION IF EXISTS billing_hold_once(text, text, bytea, bigint, text, text, uuid, bigint, bigint);
DROP FUNCTION IF EXISTS billing_resolve_once(text, text, text, bytea, uuid, bigint, text, bigint, bigint);
DROP FUNCTION IF EXISTS billing_place_hold(text, bigint, text, text, uuid, bigint, bigint);
DROP FUNCTION IF EXISTS billing_resolve(uuid, text, bigint, text, bigint, bigint);
