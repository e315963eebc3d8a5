-- New credits: a lot and its entry.
CREATE OR REPLACE FUNCTION billing_grant(p_account text, p_amount bigint, p_source text, p_expires timestamptz, p_reference text,
                                         OUT o_entry bigint, OUT o_created_us bigint, OUT o_balance bigint) AS $fn$
BEGIN
    INSERT INTO lots (account_id, source, granted, remaining, expires_at) VALUES (p_account, p_source, p_amount, p_amount, p_expires);
    SELECT a.o_entry, a.o_created_us, a.o_balance INTO o_entry, o_created_us, o_balance
    FROM billing_append(p_account, p_amount, CASE p_source WHEN 'purchase' THEN 'purchase' WHEN 'subscription' THEN 'subscription_grant'
                        WHEN 'promotional' THEN 'promotional_grant' ELSE 'refund' END, '', p_reference, NULL) a;
END $fn$ LANGUAGE plpgsql;
