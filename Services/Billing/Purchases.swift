import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Buying credits: packs or a custom amount, a checkout with the configured provider (Stripe, or the
/// local provider that completes without network), credits granted exactly once when the payment is
/// confirmed, and a receipt.
extension BillingService {
    func packs() async throws -> BillingListPacksResponse {
        var response = BillingListPacksResponse()
        response.creditPriceCents = try await self.creditPriceCents(self.database)
        response.paymentProvider = self.configuration.provider.rawValue
        response.packs = try await self.packsOnSale()
        return response
    }

    /// The active packs, in their catalogue order.
    func packsOnSale() async throws -> [BillingPack] {
        try await self.database.query(
            "SELECT id, name, price_cents, currency, credits FROM packs WHERE active ORDER BY position, id"
        ).map { row in
            var pack = BillingPack()
            pack.packID = try row.decode("id")
            pack.name = try row.decode("name")
            pack.priceCents = try row.decode("price_cents")
            pack.currency = try row.decode("currency")
            pack.credits = try row.decode("credits")
            return pack
        }
    }

    func createCheckout(_ caller: RPCCaller, _ request: BillingCheckoutRequest) async throws -> BillingCheckout {
        let (name, cents, credits, currency) = try await self.priced(request)
        return try await self.idempotency.run(
            caller: caller.id, method: "CreateCheckout", key: request.idempotencyKey, request: request
        ) { session in
            try await self.ledger.lockAccount(session, caller.id, kind: caller.accountKind)
            let id = UUID()
            let idText = id.uuidString.lowercased()
            try await session.execute(
                """
                INSERT INTO checkouts (id, account_id, pack_id, credits, amount_cents, currency, provider) VALUES ($1, $2, $3, $4, $5, $6, $7)
                """,
                [
                    id, caller.id, request.packID.isEmpty ? nil : request.packID, credits, cents, currency,
                    self.configuration.provider.rawValue,
                ])
            let paymentURL: String
            switch self.configuration.provider {
            case .local:
                paymentURL = "\(self.configuration.publicURL)/pay/local?checkout=\(idText)"
            case .stripe:
                let success =
                    request.successURL.isEmpty
                    ? "\(self.configuration.publicURL)/billing?checkout=\(idText)" : request.successURL
                let cancel = request.cancelURL.isEmpty ? "\(self.configuration.publicURL)/billing" : request.cancelURL
                // If Stripe fails the transaction rolls back: no checkout is left half-made.
                let stripeSession: StripeClient.Session
                do {
                    stripeSession = try await self.stripe!.createCheckoutSession(
                        checkoutID: idText, name: name, amountCents: cents, currency: currency, successURL: success,
                        cancelURL: cancel
                    )
                } catch let refusal as StripeClient.Failure {
                    self.logger.error("stripe checkout failed", metadata: ["error": "\(refusal)"])
                    throw failure.error(
                        refusal.isTransient ? .unavailable : .failedPrecondition, "payment_provider_failed",
                        "the payment provider refused the checkout (\(refusal.type)); nothing was charged")
                }
                try await session.execute(
                    "UPDATE checkouts SET provider_session_id = $2 WHERE id = $1", [id, stripeSession.id])
                paymentURL = stripeSession.url
            }
            try await session.execute("UPDATE checkouts SET payment_url = $2 WHERE id = $1", [id, paymentURL])
            return try await self.checkout(session, id, owner: caller.id)
        }
    }

    /// What a checkout request buys: a pack, or a custom amount at the base price, which the price rule
    /// keeps at or above the best pack's price per credit.
    private func priced(_ request: BillingCheckoutRequest) async throws -> (
        name: String, cents: Int64, credits: Int64, currency: String
    ) {
        if !request.packID.isEmpty {
            guard request.amountCents == 0 else {
                throw failure.invalid("amount_cents", "name a pack or an amount, not both")
            }
            guard
                let row = try await self.database.query(
                    "SELECT name, price_cents, credits, currency FROM packs WHERE id = $1 AND active", [request.packID]
                ).first
            else { throw failure.invalid("pack_id", "no such pack") }
            let credits: Int64 = try row.decode("credits")
            return (
                "ImageSwiss \(try row.decode("name", as: String.self)) — \(credits) credits",
                try row.decode("price_cents"), credits, try row.decode("currency")
            )
        }
        guard request.amountCents >= self.configuration.minCustomCents,
            request.amountCents <= self.configuration.maxCustomCents,
            request.amountCents % 100 == 0
        else {
            throw failure.invalid(
                "amount_cents",
                "a custom amount is whole dollars, \(self.configuration.minCustomCents / 100) to \(self.configuration.maxCustomCents / 100)"
            )
        }
        let rule = try await self.priceRule()
        let item = rule.custom(cents: request.amountCents)
        do {
            try rule.check(item)
        } catch {
            // SetCatalogue refuses such a price; a pack edited in the database must not open the leak either.
            self.logger.error("custom amount refused by the price rule", metadata: ["violation": "\(error)"])
            throw failure.error(
                .failedPrecondition, "price_rule", "custom amounts are not on sale now: \(error)")
        }
        return ("ImageSwiss — \(item.credits) credits", item.cents, item.credits, self.configuration.currency)
    }

    func getCheckout(_ caller: RPCCaller, _ id: String) async throws -> BillingCheckout {
        try await self.checkout(self.database, try failure.parseID(id, "checkout"), owner: caller.id)
    }

    /// The local provider's payment: completes the caller's own local checkout.
    func completeLocal(_ caller: RPCCaller, _ id: String) async throws -> BillingCheckout {
        let checkoutID = try failure.parseID(id, "checkout")
        return try await self.database.transaction { session in
            guard
                let row = try await session.query(
                    "SELECT provider FROM checkouts WHERE id = $1 AND account_id = $2", [checkoutID, caller.id]
                ).first
            else {
                throw failure.notFound("checkout")
            }
            guard try row.decode("provider", as: String.self) == "local" else {
                throw failure.error(
                    .failedPrecondition, "not_local", "this checkout is paid with its provider, not here")
            }
            try await self.complete(session, checkoutID)
            return try await self.checkout(session, checkoutID, owner: caller.id)
        }
    }

    /// Applies a Stripe event once: the event id is recorded in the same transaction as its effect.
    func handleStripeWebhook(_ request: BillingStripeWebhookRequest) async throws -> BillingStripeWebhookResponse {
        guard let stripe = self.stripe else {
            throw failure.error(.failedPrecondition, "stripe_not_configured", "Stripe is not configured")
        }
        let payload = Array(request.payload)
        do {
            try stripe.verify(payload: payload, header: request.signatureHeader)
        } catch {
            let message =
                switch error {
                case .malformed: "the Stripe-Signature header is missing or malformed"
                case .mismatch: "the signature does not match"
                case .outsideTolerance: "the event is outside the tolerance window"
                }
            throw failure.error(.invalidArgument, "invalid_signature", message)
        }
        guard let event = (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any],
            let eventID = event["id"] as? String, let type = event["type"] as? String
        else {
            throw failure.error(.invalidArgument, "malformed_event", "the event is not the JSON Stripe sends")
        }
        let object = (event["data"] as? [String: Any])?["object"] as? [String: Any] ?? [:]
        var response = BillingStripeWebhookResponse()
        response.outcome = try await self.database.transaction { session -> String in
            guard
                try await !session.query(
                    "INSERT INTO webhook_events (provider, event_id, kind) VALUES ('stripe', $1, $2) ON CONFLICT DO NOTHING RETURNING event_id",
                    [eventID, type]
                ).isEmpty
            else { return "duplicate" }
            if let outcome = try await self.applySubscriptionEvent(session, type: type, object: object) {
                return outcome
            }
            guard let sessionID = object["id"] as? String,
                let checkout = try await session.query(
                    "SELECT id FROM checkouts WHERE provider_session_id = $1", [sessionID]
                ).first
            else { return "ignored" }
            let checkoutID: UUID = try checkout.decode("id")
            switch type {
            case "checkout.session.completed" where object["payment_status"] as? String == "paid",
                "checkout.session.async_payment_succeeded":
                try await self.complete(session, checkoutID)
                // The PaymentIntent, for a refund through Stripe (CreditNotes).
                if let payment = object["payment_intent"] as? String {
                    try await session.execute(
                        "UPDATE receipts SET provider_payment_id = $2 WHERE checkout_id = $1 AND provider_payment_id IS NULL",
                        [checkoutID, payment])
                }
                return "applied"
            case "checkout.session.expired", "checkout.session.async_payment_failed":
                // Never undoes a completion, whatever the order the events arrive in.
                let changed = try await session.execute(
                    "UPDATE checkouts SET status = 'expired' WHERE id = $1 AND status = 'open'", [checkoutID])
                return changed == 1 ? "applied" : "ignored"
            default:
                return "ignored"
            }
        }
        return response
    }

    /// Completes a checkout once: credits (a purchase lot that never expires) and a receipt.
    /// A checkout that expired and is paid after all (an async payment) completes too.
    func complete(_ session: PostgresSession, _ id: UUID) async throws {
        let row = try await session.query(
            """
            SELECT account_id, credits, amount_cents, currency, provider, status, pack_id FROM checkouts WHERE id = $1 FOR UPDATE
            """, [id]
        ).first!
        guard try row.decode("status", as: String.self) != "completed" else { return }
        let account: String = try row.decode("account_id")
        let credits: Int64 = try row.decode("credits")
        try await self.ledger.lockAccount(session, account)
        _ = try await self.ledger.grant(
            session, account, amount: credits, source: "purchase", expiresMicros: nil,
            reference: "checkout \(id.uuidString.lowercased())")
        try await session.execute("UPDATE checkouts SET status = 'completed', completed_at = now() WHERE id = $1", [id])
        try await self.recordPayment(
            session, account: account, cents: try row.decode("amount_cents"), currency: try row.decode("currency"),
            credits: credits, description: "\(credits) credits", provider: try row.decode("provider"), checkout: id)
    }

    func checkout(_ session: some PostgresQuerying, _ id: UUID, owner: String) async throws -> BillingCheckout {
        guard
            let row = try await session.query(
                """
                SELECT c.id, c.provider, c.status, c.amount_cents, c.currency, c.credits, c.payment_url, r.id AS receipt_id
                FROM checkouts c LEFT JOIN receipts r ON r.checkout_id = c.id WHERE c.id = $1 AND c.account_id = $2
                """, [id, owner]
            ).first
        else { throw failure.notFound("checkout") }
        var checkout = BillingCheckout()
        checkout.checkoutID = id.uuidString.lowercased()
        checkout.provider = try row.decode("provider")
        checkout.status = try row.decode("status")
        checkout.amountCents = try row.decode("amount_cents")
        checkout.currency = try row.decode("currency")
        checkout.credits = try row.decode("credits")
        checkout.paymentURL = try row.decode("payment_url")
        checkout.receiptID = (try row.decodeIfPresent("receipt_id", as: UUID.self))?.uuidString.lowercased() ?? ""
        return checkout
    }

    func receipts(_ caller: RPCCaller, _ request: BillingListReceiptsRequest) async throws
        -> BillingListReceiptsResponse
    {
        let page = try await self.numberedPage(
            "receipts",
            columns: """
                id, number, amount_cents, currency, credits, description, provider,
                (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
                """, of: caller.id, request.page)
        var response = BillingListReceiptsResponse()
        response.receipts = try page.rows.map { row in
            var receipt = BillingReceipt()
            receipt.receiptID = (try row.decode("id", as: UUID.self)).uuidString.lowercased()
            let number: Int64 = try row.decode("number")
            receipt.number = String(format: "ISW-%06lld", number)
            receipt.amountCents = try row.decode("amount_cents")
            receipt.currency = try row.decode("currency")
            receipt.credits = try row.decode("credits")
            receipt.description_p = try row.decode("description")
            receipt.provider = try row.decode("provider")
            receipt.createdAt = .micros(try row.decode("created_us"))
            return receipt
        }
        response.page.nextPageToken = page.next
        return response
    }

    /// One page of an account's rows of a numbered table (receipts, invoices), newest first; the page
    /// token is the last number shown.
    func numberedPage(_ table: String, columns: String, of account: String, _ request: CommonPageRequest)
        async throws -> (rows: ArraySlice<PostgresRow>, next: String)
    {
        let size = request.pageSize == 0 ? 50 : min(Int(request.pageSize), 200)
        var parameters: [any PostgresEncodable] = [account]
        var condition = ""
        if !request.pageToken.isEmpty {
            guard let number = Int64(request.pageToken) else {
                throw failure.invalid("page_token", "not a page token this service gave")
            }
            parameters.append(number)
            condition = "AND number < $2"
        }
        let rows = try await self.database.query(
            "SELECT \(columns) FROM \(table) WHERE account_id = $1 \(condition) ORDER BY number DESC LIMIT \(size + 1)",
            parameters)
        let shown = rows.prefix(size)
        let next = rows.count > size ? "\(try shown.last!.decode("number", as: Int64.self))" : ""
        return (shown, next)
    }
}
