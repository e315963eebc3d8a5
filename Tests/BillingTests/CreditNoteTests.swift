import Foundation
import TestSupport
import Testing

/// Refunds (Services/Billing/CreditNotes.swift): an admin refunds an invoice in parts; each refund
/// is a credit note of its own gapless sequence, reaches Stripe as a refund of the PaymentIntent
/// once per idempotency key, takes back the invoice's credits in proportion as far as they are
/// unspent, and together the notes never exceed the invoice. The note's PDF renders and says so.
@Suite(.serialized) struct CreditNoteTests {
    @Test func refundsAreCreditNotesThatReachStripeAndTakeBackUnspentCredits() async throws {
        let stripe = try await FakeStripe()
        defer { stripe.stop() }
        let billing = try await BillingStack.start(stripe.environment)
        defer { Task { await billing.stop() } }
        let admin = try await billing.http.signedInUser(BillingStack.adminEmail)
        let user = try await billing.http.signedInUser("refunded@imageswiss.test")
        let checkout = try await billing.http.call(
            "POST", "/api/v1/billing/checkout", json: ["pack_id": "starter"], bearer: user.access)
        let session = String((checkout.json["payment_url"] as? String ?? "").split(separator: "/").last ?? "")
        let paid = FakeStripe.event(id: "evt_paid", type: "checkout.session.completed", session: session)
        _ = try await billing.http.call(
            "POST", "/api/v1/billing/webhooks/stripe", raw: paid.body, headers: ["Stripe-Signature": paid.signature])
        #expect(try await billing.balance(user.id).total == 3 + 10)
        let invoices = try await billing.http.call("GET", "/api/v1/billing/invoices", bearer: user.access)
        let invoice = try #require((invoices.json["items"] as? [[String: Any]])?.first?["id"] as? String)

        // Only admins refund.
        let byUser = try await billing.http.call(
            "POST", "/api/v1/admin/billing/invoices/\(invoice)/refund", json: [:], bearer: user.access)
        #expect(byUser.status == 403)

        // $2.00 of $4.99 back: 4 of the 10 credits (2/4.99 of them) taken back; asked twice, done once.
        let refund = { (body: [String: Any], key: String) in
            try await billing.http.call(
                "POST", "/api/v1/admin/billing/invoices/\(invoice)/refund", json: body, bearer: admin.access,
                headers: ["Idempotency-Key": key])
        }
        let first = try await refund(["amount_cents": 200, "reason": "one photo was not restored"], "refund-1")
        #expect(first.status == 201 && first.json["number"] as? String == "CN-000001", "\(first.text)")
        #expect(first.json["credits_removed"] as? Int == 4 && first.json["total_cents"] as? Int == 200)
        #expect(first.json["provider_refund_id"] as? String == "re_0_pi_\(session)")
        let again = try await refund(["amount_cents": 200, "reason": "one photo was not restored"], "refund-1")
        #expect(again.json["id"] as? String == first.json["id"] as? String)
        #expect(stripe.calls.withLockedValue { $0.filter { $0.hasPrefix("POST /v1/refunds") } }.count == 1)
        #expect(
            stripe.calls.withLockedValue { $0 }.contains {
                $0.hasPrefix("POST /v1/refunds") && $0.contains("amount=200")
                    && $0.contains("payment_intent=pi_\(session)")
            })
        #expect(try await billing.balance(user.id).total == 13 - 4)

        // The rest ($2.99) takes the rest of the credits that are left unspent: 5 of them are spent first.
        _ = try await billing.spend(user.id, 5, key: "spent-before-refund")
        let rest = try await refund(["reason": "cancelled"], "refund-2")
        #expect(rest.status == 201 && rest.json["number"] as? String == "CN-000002", "\(rest.text)")
        #expect(rest.json["total_cents"] as? Int == 299 && rest.json["credits_removed"] as? Int == 4, "\(rest.text)")
        #expect(try await billing.balance(user.id).total == 0)
        let over = try await refund(["amount_cents": 1], "refund-3")
        #expect(over.status == 409 && over.errorCode == "refund_exceeds_invoice", "\(over.status) \(over.text)")
        #expect(try await billing.count("SELECT count(*) FROM credit_notes") == 2)
        #expect(try await billing.count("SELECT sum(total_cents) FROM credit_notes") == 499)
        #expect(try await billing.invariantsHold(user.id))

        // The owner sees the notes on the invoice and reads each as a PDF; nobody else can.
        let listed = try await billing.http.call("GET", "/api/v1/billing/invoices", bearer: user.access)
        let notes = try #require((listed.json["items"] as? [[String: Any]])?.first?["credit_notes"] as? [[String: Any]])
        #expect(notes.compactMap { $0["number"] as? String } == ["CN-000001", "CN-000002"])
        let pdfPath = try #require(notes.last?["pdf_url"] as? String)
        let stranger = try await billing.http.signedInUser("stranger@imageswiss.test")
        #expect(try await billing.http.call("GET", pdfPath, bearer: stranger.access).status == 404)
        let pdf = try await billing.http.call("GET", pdfPath, bearer: user.access)
        #expect(pdf.status == 200 && pdf.body.starts(with: Data("%PDF-".utf8)))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cn-\(UUID().uuidString).pdf")
        try pdf.body.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let text = try await runWithStatus("/usr/bin/pdftotext", ["-layout", file.path, "-"])
        for expected in ["Credit note CN-000002", "INV-000001", "-$2.99", "4 credits taken back", "cancelled"] {
            #expect(text.output.contains(expected), "\(expected) missing from: \(text.output)")
        }
    }
}
