import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Refunds as credit notes: an admin refunds (part of) an invoice; the money goes back through the
/// provider it was paid with (Stripe: a refund of its PaymentIntent; the local provider takes no
/// money, so there is nothing to send back), the tax is refunded in proportion, the invoice's
/// credits are taken back in proportion as far as they are unspent, and the credit note gets the next
/// number of its own gapless sequence. Together an invoice's credit notes never exceed it.
extension BillingService {
    func refundInvoice(_ caller: RPCCaller, _ request: BillingRefundInvoiceRequest) async throws -> BillingCreditNote {
        try self.requireAdmin(caller)
        let invoiceID = try failure.parseID(request.invoiceID, "invoice")
        guard request.amountCents >= 0, request.reason.count <= 200 else {
            throw failure.invalid(
                "amount_cents", "an amount of 0 (all that is left) or more, a reason of 200 characters at most")
        }
        return try await self.idempotency.run(
            caller: caller.id, method: "RefundInvoice", key: request.idempotencyKey, request: request
        ) { session in
            guard
                let invoice = try await session.query(
                    """
                    SELECT i.account_id, i.number, i.credits, i.currency, i.total_cents, i.tax_cents, r.provider, r.provider_payment_id,
                        (SELECT coalesce(sum(total_cents), 0) FROM credit_notes WHERE invoice_id = i.id)::bigint AS refunded,
                        (SELECT coalesce(sum(tax_cents), 0) FROM credit_notes WHERE invoice_id = i.id)::bigint AS refunded_tax,
                        (SELECT coalesce(sum(credits_removed), 0) FROM credit_notes WHERE invoice_id = i.id)::bigint AS removed
                    FROM invoices i JOIN receipts r ON r.id = i.receipt_id WHERE i.id = $1 FOR UPDATE OF i
                    """, [invoiceID]
                ).first
            else { throw failure.notFound("invoice") }
            let total: Int64 = try invoice.decode("total_cents")
            let left = total - (try invoice.decode("refunded", as: Int64.self))
            let amount = request.amountCents == 0 ? left : request.amountCents
            guard amount > 0, amount <= left else {
                throw failure.error(
                    .failedPrecondition, "refund_exceeds_invoice",
                    "\(left) cents of this invoice are left to refund", field: "amount_cents")
            }
            let account: String = try invoice.decode("account_id")
            let credits: Int64 = try invoice.decode("credits")
            let invoiceNumber = Self.invoiceNumber(try invoice.decode("number"))
            // The last refund takes what is left of the tax and credits, so rounding never drifts.
            let isLast = amount == left
            let tax =
                isLast
                ? (try invoice.decode("tax_cents", as: Int64.self))
                    - (try invoice.decode("refunded_tax", as: Int64.self))
                : Self.share(try invoice.decode("tax_cents"), amount, of: total)
            let creditsDue =
                isLast
                ? credits - (try invoice.decode("removed", as: Int64.self)) : Self.share(credits, amount, of: total)
            let number: Int64 = try await session.query(
                "UPDATE credit_note_counter SET last_number = last_number + 1 RETURNING last_number", []
            ).first!.decode("last_number")
            let noteNumber = Self.creditNoteNumber(number)
            let provider: String = try invoice.decode("provider")
            let refundID = try await self.sendRefund(
                provider: provider, payment: try invoice.decodeIfPresent("provider_payment_id"), amount: amount,
                note: noteNumber, key: "refund-\(invoiceID.lowercasedText)-\(request.idempotencyKey)")
            try await self.ledger.lockAccount(session, account)
            let removed = try await self.takeBack(session, account, upTo: creditsDue, reference: noteNumber)
            let id = UUID()
            try await session.execute(
                """
                INSERT INTO credit_notes (id, number, invoice_id, account_id, currency, total_cents, net_cents, tax_cents,
                                          credits_removed, reason, provider, provider_refund_id, created_by)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                """,
                [
                    id, number, invoiceID, account, try invoice.decode("currency", as: String.self), amount,
                    amount - tax, tax, removed, request.reason, provider, refundID, caller.id,
                ])
            return try await Self.creditNotes(session, where: "c.id = $1", [id]).first!
        }
    }

    /// A share of `value` in proportion `part / whole`, to the nearest unit (halves up).
    static func share(_ value: Int64, _ part: Int64, of whole: Int64) -> Int64 {
        (value * part * 2 + whole) / (whole * 2)
    }

    static func creditNoteNumber(_ number: Int64) -> String { String(format: "CN-%06lld", number) }

    /// Stripe's refund id; nil for the local provider, which took no money.
    private func sendRefund(provider: String, payment: String?, amount: Int64, note: String, key: String)
        async throws -> String?
    {
        guard provider == "stripe" else { return nil }
        guard let stripe = self.stripe, let payment else {
            throw failure.error(
                .failedPrecondition, "refund_at_provider",
                "this payment's Stripe PaymentIntent is not known here; refund it in Stripe's dashboard")
        }
        do {
            return try await stripe.refund(
                paymentIntent: payment, amountCents: amount, creditNote: note, idempotencyKey: key)
        } catch let refusal as StripeClient.Failure {
            self.logger.error("stripe refund failed", metadata: ["error": "\(refusal)"])
            throw failure.error(
                refusal.isTransient ? .unavailable : .failedPrecondition, "payment_provider_failed",
                "Stripe refused the refund (\(refusal.type): \(refusal.message)); nothing was recorded")
        }
    }

    /// Takes up to `credits` unspent paid-for credits out of the account's lots — purchased ones
    /// first, the newest first; never promotional or refund grants — as one ledger entry; answers
    /// how many it took.
    private func takeBack(_ session: PostgresSession, _ account: String, upTo credits: Int64, reference: String)
        async throws -> Int64
    {
        guard credits > 0 else { return 0 }
        let lots = try await session.query(
            """
            SELECT id, remaining FROM lots
            WHERE account_id = $1 AND remaining > 0 AND (expires_at IS NULL OR expires_at > now())
              AND source IN ('purchase', 'subscription')
            ORDER BY (source = 'purchase') DESC, created_at DESC, id DESC FOR UPDATE
            """, [account])
        var left = credits
        for lot in lots where left > 0 {
            let take = min(left, try lot.decode("remaining", as: Int64.self))
            try await session.execute(
                "UPDATE lots SET remaining = remaining - $2 WHERE id = $1",
                [try lot.decode("id", as: Int64.self), take])
            left -= take
        }
        let taken = credits - left
        if taken > 0 {
            _ = try await self.ledger.append(session, account, amount: -taken, kind: "correction", reference: reference)
        }
        return taken
    }

    static let creditNoteColumns = """
        c.id, c.number, c.invoice_id, i.number AS invoice_number, c.currency, c.total_cents, c.net_cents, c.tax_cents,
        c.credits_removed, c.reason, c.provider, c.provider_refund_id, (extract(epoch FROM c.created_at) * 1000000)::bigint AS created_us
        """

    static func creditNotes(
        _ session: some PostgresQuerying, where condition: String, _ parameters: [any PostgresEncodable]
    )
        async throws -> [BillingCreditNote]
    {
        try await session.query(
            """
            SELECT \(Self.creditNoteColumns) FROM credit_notes c JOIN invoices i ON i.id = c.invoice_id
            WHERE \(condition) ORDER BY c.number
            """, parameters
        ).map { row in
            var note = BillingCreditNote()
            note.creditNoteID = (try row.decode("id", as: UUID.self)).lowercasedText
            note.number = Self.creditNoteNumber(try row.decode("number"))
            note.invoiceID = (try row.decode("invoice_id", as: UUID.self)).lowercasedText
            note.invoiceNumber = Self.invoiceNumber(try row.decode("invoice_number"))
            note.currency = try row.decode("currency")
            note.totalCents = try row.decode("total_cents")
            note.netCents = try row.decode("net_cents")
            note.taxCents = try row.decode("tax_cents")
            note.creditsRemoved = try row.decode("credits_removed")
            note.reason = try row.decode("reason")
            note.provider = try row.decode("provider")
            note.providerRefundID = try row.decodeIfPresent("provider_refund_id") ?? ""
            note.createdAt = .micros(try row.decode("created_us"))
            return note
        }
    }

    /// A credit note as a PDF, for the account it refunded only.
    func creditNotePDF(_ caller: RPCCaller, _ id: String) async throws -> BillingInvoicePDF {
        let noteID = try failure.parseID(id, "credit note")
        guard
            let note = try await Self.creditNotes(
                self.database, where: "c.id = $1 AND c.account_id = $2", [noteID, caller.id]
            ).first,
            let row = try await self.database.query(
                "SELECT seller::text AS seller, buyer::text AS buyer FROM invoices WHERE id = $1",
                [try failure.parseID(note.invoiceID, "invoice")]
            ).first
        else { throw failure.notFound("credit note") }
        let parties = try Self.parties(row)
        var answer = BillingInvoicePDF()
        answer.number = note.number
        answer.pdf = Data(try InvoiceDocument.creditNote(note, seller: parties.seller, buyer: parties.buyer))
        return answer
    }
}
