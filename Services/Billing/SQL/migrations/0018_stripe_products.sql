-- The Stripe Product each tier's prices belong to, made once when a subscription first changes to
-- the tier through the API (Checkout makes its own product for a new subscription).
CREATE TABLE stripe_products (
    tier_id text PRIMARY KEY REFERENCES tiers,
    product_id text NOT NULL
);
