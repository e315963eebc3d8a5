-- Invoices: one per payment, in the payment's transaction. Numbers come from one counter row taken
-- in that transaction, so they run without gaps (a payment that rolls back gives its number back).
-- Seller and buyer are copied as they were; amounts are tax-inclusive, split into net and tax.
CREATE TABLE invoice_counter (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    last_number bigint NOT NULL
);
INSERT INTO invoice_counter (last_number) VALUES (0);

-- Admin-set tax rates by the buyer's country (ISO 3166 alpha-2).
CREATE TABLE tax_rates (
    country text PRIMARY KEY CHECK (country ~ '^[A-Z]{2}$'),
    name text NOT NULL,
    basis_points integer NOT NULL CHECK (basis_points BETWEEN 0 AND 10000)
);

-- What a buyer wants on their invoices.
CREATE TABLE billing_profiles (
    account_id text PRIMARY KEY REFERENCES accounts,
    name text NOT NULL DEFAULT '',
    address text NOT NULL DEFAULT '',
    country text NOT NULL DEFAULT '' CHECK (country = '' OR country ~ '^[A-Z]{2}$'),
    tax_id text NOT NULL DEFAULT ''
);

CREATE TABLE invoices (
    id uuid PRIMARY KEY,
    number bigint NOT NULL UNIQUE,
    receipt_id uuid NOT NULL UNIQUE REFERENCES receipts,
    account_id text NOT NULL REFERENCES accounts,
    seller jsonb NOT NULL,
    buyer jsonb NOT NULL,
    description text NOT NULL,
    credits bigint NOT NULL,
    currency text NOT NULL,
    total_cents bigint NOT NULL,
    net_cents bigint NOT NULL,
    tax_cents bigint NOT NULL CHECK (net_cents + tax_cents = total_cents),
    tax_name text NOT NULL,
    tax_basis_points integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoices_account ON invoices (account_id, number DESC);
