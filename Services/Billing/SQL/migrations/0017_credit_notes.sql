-- Refunds: credit notes numbered like invoices (CN-000001, one counter row, no gaps), each against
-- one invoice; together they never exceed it (checked under the invoice's row lock). A payment's
-- provider id (Stripe's PaymentIntent) is kept on its receipt so a refund can reach the provider.
CREATE TABLE credit_note_counter (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    last_number bigint NOT NULL
);
INSERT INTO credit_note_counter (last_number) VALUES (0);

CREATE TABLE credit_notes (
    id uuid PRIMARY KEY,
    number bigint NOT NULL UNIQUE,
    invoice_id uuid NOT NULL REFERENCES invoices,
    account_id text NOT NULL REFERENCES accounts,
    currency text NOT NULL,
    total_cents bigint NOT NULL CHECK (total_cents > 0),
    net_cents bigint NOT NULL,
    tax_cents bigint NOT NULL CHECK (net_cents + tax_cents = total_cents),
    credits_removed bigint NOT NULL CHECK (credits_removed >= 0),
    reason text NOT NULL DEFAULT '',
    provider text NOT NULL,
    provider_refund_id text UNIQUE,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_notes_invoice ON credit_notes (invoice_id, number);

ALTER TABLE receipts ADD COLUMN provider_payment_id text;
