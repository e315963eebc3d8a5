import Crypto
import Curl
import Foundation

/// Stripe over libcurl: Checkout Sessions (one-off payments and subscriptions), subscription
/// cancellation, refunds, the customer portal, and the `Stripe-Signature` check of webhooks (HMAC-SHA256 of
/// "timestamp.payload" with the endpoint's secret, within a tolerance window).
struct StripeClient: Sendable {
    let apiBase: String
    let secretKey: String
    let webhookSecret: String
    let tolerance: Duration
    let curl: CurlClient

    struct Session: Sendable {
        let id: String
        let url: String
    }

    /// A Stripe answer that is not a success: its status and Stripe's error type and message.
    struct Failure: Error, CustomStringConvertible {
        let status: Int
        let type: String
        let message: String
        var description: String { "Stripe \(self.status) \(self.type): \(self.message)" }
        /// 429 and 5xx (and transport failures, status 0) may succeed later.
        var isTransient: Bool { self.status == 0 || self.status == 429 || self.status >= 500 }
    }

    /// POST /v1/checkout/sessions (mode=payment, one line item). The checkout id is both the
    /// client_reference_id and Stripe's Idempotency-Key, so a retried creation is the same session.
    func createCheckoutSession(
        checkoutID: String, name: String, amountCents: Int64, currency: String,
        successURL: String, cancelURL: String
    ) async throws -> Session {
        let json = try await self.send(
            "POST", "/v1/checkout/sessions",
            form: [
                ("mode", "payment"), ("success_url", successURL), ("cancel_url", cancelURL),
                ("client_reference_id", checkoutID), ("metadata[checkout_id]", checkoutID),
                ("line_items[0][quantity]", "1"), ("line_items[0][price_data][currency]", currency),
                ("line_items[0][price_data][unit_amount]", "\(amountCents)"),
                ("line_items[0][price_data][product_data][name]", name),
            ], idempotencyKey: "checkout-\(checkoutID)")
        return try Self.session(json)
    }

    /// What a subscription is for: copied into the subscription's metadata, which Stripe snapshots
    /// into each of its invoices, so an invoice names its account and tier whatever order events come in.
    struct Plan: Sendable {
        let account: String
        let tier: String
        let tierName: String
        let interval: String
        let amountCents: Int64
        let currency: String
    }

    /// POST /v1/checkout/sessions in subscription mode: a recurring price of `plan.amountCents` per
    /// month or year, the plan in the subscription's metadata.
    func createSubscriptionCheckout(
        _ plan: Plan, customer: String?, successURL: String, cancelURL: String, idempotencyKey: String
    ) async throws -> Session {
        var form: [(String, String)] = [
            ("mode", "subscription"), ("success_url", successURL), ("cancel_url", cancelURL),
            ("client_reference_id", plan.account), ("metadata[account_id]", plan.account),
            ("line_items[0][quantity]", "1"), ("line_items[0][price_data][currency]", plan.currency),
            ("line_items[0][price_data][unit_amount]", "\(plan.amountCents)"),
            ("line_items[0][price_data][recurring][interval]", plan.interval),
            ("line_items[0][price_data][product_data][name]", "ImageSwiss \(plan.tierName)"),
            ("subscription_data[metadata][account_id]", plan.account),
            ("subscription_data[metadata][tier]", plan.tier),
            ("subscription_data[metadata][interval]", plan.interval),
        ]
        if let customer { form.append(("customer", customer)) }
        return try Self.session(
            try await self.send("POST", "/v1/checkout/sessions", form: form, idempotencyKey: idempotencyKey))
    }

    /// POST /v1/subscriptions/{id}: cancel at the end of the paid period, or take that back.
    func setCancelAtPeriodEnd(_ subscription: String, _ cancel: Bool, idempotencyKey: String) async throws {
        _ = try await self.send(
            "POST", "/v1/subscriptions/\(Self.formEncode(subscription))",
            form: [("cancel_at_period_end", cancel ? "true" : "false")], idempotencyKey: idempotencyKey)
    }

    /// DELETE /v1/subscriptions/{id}: ends it now (the dunning grace ran out).
    func cancelSubscription(_ subscription: String) async throws {
        _ = try await self.send(
            "DELETE", "/v1/subscriptions/\(Self.formEncode(subscription))", form: [], idempotencyKey: nil)
    }

    /// GET /v1/subscriptions/{id}: the id of its (one) item, whose price a plan change replaces.
    func subscriptionItem(_ subscription: String) async throws -> String {
        let json = try await self.send(
            "GET", "/v1/subscriptions/\(Self.formEncode(subscription))", form: [], idempotencyKey: nil)
        guard let items = (json["items"] as? [String: Any])?["data"] as? [[String: Any]],
            let item = items.first?["id"] as? String
        else { throw Failure(status: 502, type: "malformed_answer", message: "the subscription has no item") }
        return item
    }

    /// POST /v1/products: the product a tier's prices belong to.
    func createProduct(name: String, idempotencyKey: String) async throws -> String {
        let json = try await self.send("POST", "/v1/products", form: [("name", name)], idempotencyKey: idempotencyKey)
        guard let id = json["id"] as? String else {
            throw Failure(status: 502, type: "malformed_answer", message: "the answer has no product id")
        }
        return id
    }

    /// POST /v1/subscriptions/{id}: the item's new price (inline, of `product`) and the plan in the
    /// metadata later invoices carry; `prorate`: invoice the difference now (an upgrade), else from
    /// the next period without proration (a downgrade). A pending cancellation is withdrawn.
    func changePlan(
        _ subscription: String, item: String, product: String, _ plan: Plan, prorate: Bool, idempotencyKey: String
    ) async throws {
        _ = try await self.send(
            "POST", "/v1/subscriptions/\(Self.formEncode(subscription))",
            form: [
                ("items[0][id]", item), ("items[0][price_data][currency]", plan.currency),
                ("items[0][price_data][product]", product),
                ("items[0][price_data][unit_amount]", "\(plan.amountCents)"),
                ("items[0][price_data][recurring][interval]", plan.interval),
                ("proration_behavior", prorate ? "always_invoice" : "none"), ("cancel_at_period_end", "false"),
                ("metadata[account_id]", plan.account), ("metadata[tier]", plan.tier),
                ("metadata[interval]", plan.interval),
            ], idempotencyKey: idempotencyKey)
    }

    /// POST /v1/refunds: `amountCents` of a PaymentIntent back to the card it was paid with; answers
    /// the refund's id. The same idempotency key is the same refund.
    func refund(paymentIntent: String, amountCents: Int64, creditNote: String, idempotencyKey: String) async throws
        -> String
    {
        let json = try await self.send(
            "POST", "/v1/refunds",
            form: [
                ("payment_intent", paymentIntent), ("amount", "\(amountCents)"), ("reason", "requested_by_customer"),
                ("metadata[credit_note]", creditNote),
            ], idempotencyKey: idempotencyKey)
        guard let id = json["id"] as? String, json["status"] as? String != "failed" else {
            throw Failure(status: 502, type: "refund_failed", message: "Stripe did not make the refund")
        }
        return id
    }

    /// POST /v1/billing_portal/sessions: the customer portal's address for `customer`.
    func createPortalSession(customer: String, returnURL: String) async throws -> String {
        let json = try await self.send(
            "POST", "/v1/billing_portal/sessions", form: [("customer", customer), ("return_url", returnURL)],
            idempotencyKey: nil)
        guard let url = json["url"] as? String else {
            throw Failure(status: 502, type: "malformed_answer", message: "the answer has no url")
        }
        return url
    }

    private static func session(_ json: [String: Any]) throws -> Session {
        guard let id = json["id"] as? String, let url = json["url"] as? String else {
            throw Failure(status: 502, type: "malformed_answer", message: "the answer has no session id or url")
        }
        return Session(id: id, url: url)
    }

    /// One form-encoded call with the secret key; Stripe's error answer becomes a Failure.
    private func send(_ method: String, _ path: String, form: [(String, String)], idempotencyKey: String?)
        async throws -> [String: Any]
    {
        var headers = [
            ("Authorization", "Bearer \(self.secretKey)"), ("Content-Type", "application/x-www-form-urlencoded"),
        ]
        if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey)) }
        let body = form.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&")
        let response: CurlResponse
        do {
            response = try await self.curl.send(
                CurlRequest(
                    method: method, url: "\(self.apiBase)\(path)", headers: headers, body: Array(body.utf8),
                    timeout: .seconds(20)))
        } catch let error as CurlError {
            throw Failure(status: 0, type: "unreachable", message: error.description)
        }
        let json = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        guard response.status == 200 else {
            let error = json?["error"] as? [String: Any]
            throw Failure(
                status: response.status, type: error?["type"] as? String ?? "http_\(response.status)",
                message: error?["message"] as? String ?? "no error message")
        }
        return json ?? [:]
    }

    enum SignatureProblem: Error { case malformed, mismatch, outsideTolerance }

    /// Checks `Stripe-Signature: t=…,v1=…[,v1=…]` against the payload.
    func verify(payload: [UInt8], header: String, now: Date = Date()) throws(SignatureProblem) {
        var timestamp: Int64?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" {
                timestamp = Int64(pair[1])
            } else if pair[0] == "v1" {
                signatures.append(pair[1].lowercased())
            }
        }
        guard let timestamp, !signatures.isEmpty else { throw .malformed }
        let key = SymmetricKey(data: Array(self.webhookSecret.utf8))
        let signed = Array("\(timestamp).".utf8) + payload
        let expected = HMAC<SHA256>.authenticationCode(for: signed, using: key)
        guard signatures.contains(where: { Self.constantTimeEqual(Self.hexBytes($0), Array(expected)) }) else {
            throw .mismatch
        }
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= Double(self.tolerance.components.seconds) else {
            throw .outsideTolerance
        }
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(
            CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = Int(String(UnicodeScalar(high)), radix: 16),
                let l = Int(String(UnicodeScalar(low)), radix: 16)
            else { return [] }
            bytes.append(UInt8(h << 4 | l))
        }
        return bytes
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
