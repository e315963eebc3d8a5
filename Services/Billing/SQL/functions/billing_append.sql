-- One entry, and the account's total moved with it.
CREATE OR REPLACE FUNCTION billing_append(p_account text, p_amount bigint, p_kind text, p_operation text, p_reference text, p_hold uuid,
                                          OUT o_entry bigint, OUT o_created_us bigint, OUT o_balance bigint) AS $fn$
BEGIN
    UPDATE accounts SET total = total + p_amount WHERE account_id = p_account RETURNING total INTO o_balance;
    INSERT INTO ledger_entries (account_id, amount, kind, operation, reference, hold_id, balance_after)
    VALUES (p_account, p_amount, p_kind, p_operation, p_reference, p_hold, o_balance)
    RETURNING id, (extract(epoch FROM created_at) * 1000000)::bigint INTO o_entry, o_created_us;
END $fn$ LANGUAGE plpgsql;
