-- The sales catalogue: the base price of a credit, packs and tiers, edited by admins as versions.
-- The live rows stay in `packs` and `tiers` (checkouts and subscriptions point at them); each
-- version's whole text is kept in `catalogue_versions` for the record.
CREATE TABLE catalogue_versions (
    version serial PRIMARY KEY,
    currency text NOT NULL,
    credit_price_cents bigint NOT NULL CHECK (credit_price_cents > 0),
    packs jsonb NOT NULL,
    tiers jsonb NOT NULL,
    created_by text NOT NULL DEFAULT 'system',
    created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE tiers
    ADD COLUMN annual_price_cents bigint NOT NULL DEFAULT 0 CHECK (annual_price_cents >= 0),
    ADD COLUMN carry_over boolean NOT NULL DEFAULT false,
    ADD COLUMN for_sale boolean NOT NULL DEFAULT true;

ALTER TABLE subscriptions
    ADD COLUMN billing_interval text NOT NULL DEFAULT 'month' CHECK (billing_interval IN ('month', 'year')),
    ADD COLUMN next_interval text CHECK (next_interval IN ('month', 'year'));

-- The restoration plan's tiers (docs/api.md, "The sales catalogue"). Plus and Pro keep their
-- subscribers and are no longer sold; their ranks sit beside the new tiers of like price.
UPDATE tiers SET for_sale = false, rank = 2 WHERE id = 'plus';
UPDATE tiers SET for_sale = false, rank = 3 WHERE id = 'pro';
INSERT INTO tiers (id, name, price_cents, annual_price_cents, monthly_credits, priority, max_output_pixels, daily_cap, rank, carry_over) VALUES
    ('remember', 'Remember', 499, 4999, 25, true, 720, 1000, 1, true),
    ('cherish', 'Cherish', 999, 9999, 60, true, 720, 2500, 2, true),
    ('forever', 'Forever', 1999, 19999, 150, true, 720, 5000, 3, true);

INSERT INTO catalogue_versions (currency, credit_price_cents, packs, tiers)
SELECT coalesce((SELECT min(currency) FROM packs), 'usd'), 50,
       (SELECT jsonb_agg(to_jsonb(p) - 'active' ORDER BY p.position, p.id) FROM packs p WHERE p.active),
       (SELECT jsonb_agg(to_jsonb(t) ORDER BY t.rank, t.id) FROM tiers t);
