import Foundation
import TestSupport
import Testing

/// Invoices (Services/Billing/Invoices.swift): every payment has one, numbered without gaps even
/// when payments race; tax from the admin's rate for the buyer's country, inside the price; the PDF
/// renders (pdftoppm) and says what the ledger says.
@Suite(.serialized) struct InvoiceTests {
    @Test func everyPaymentHasAGaplessTaxedInvoiceThatRenders() async throws {
        let billing = try await BillingStack.start([
            "BILLING_SELLER_NAME": "ImageSwiss Test GmbH", "BILLING_SELLER_ADDRESS": "Bahnhofstrasse 1\\n8001 Zurich",
            "BILLING_SELLER_TAX_ID": "CHE-123.456.789",
        ])
        defer { Task { await billing.stop() } }
        let admin = try await billing.http.signedInUser(BillingStack.adminEmail)
        let user = try await billing.http.signedInUser("invoiced@imageswiss.test")

        let rates = try await billing.http.call(
            "PUT", "/api/v1/admin/billing/tax-rates",
            json: ["rates": [["country": "DE", "name": "VAT", "basis_points": 1900]]], bearer: admin.access)
        #expect(rates.status == 200, "\(rates.text)")
        let notAdmin = try await billing.http.call(
            "PUT", "/api/v1/admin/billing/tax-rates", json: ["rates": []], bearer: user.access)
        #expect(notAdmin.status == 403)
        let badCountry = try await billing.http.call(
            "PUT", "/api/v1/billing/profile",
            json: ["name": "A", "address": "", "country": "Germany", "tax_id": ""], bearer: user.access)
        #expect(badCountry.status == 400, "\(badCountry.text)")
        let profile = try await billing.http.call(
            "PUT", "/api/v1/billing/profile",
            json: [
                "name": "Ada Lovelace", "address": "Unter den Linden 1\nBerlin", "country": "de", "tax_id": "DE999",
            ],
            bearer: user.access)
        #expect(profile.json["country"] as? String == "DE", "\(profile.text)")

        // A pack and a subscription: two invoices, 1 and 2, tax inside the price.
        try await billing.buy("starter", token: user.access)
        _ = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "remember"], bearer: user.access)
        let listed = try await billing.http.call("GET", "/api/v1/billing/invoices", bearer: user.access)
        let invoices = try #require(listed.json["items"] as? [[String: Any]])
        #expect(invoices.compactMap { $0["number"] as? String } == ["INV-000002", "INV-000001"], "\(listed.text)")
        let first = try #require(invoices.last)
        // $4.99 with 19 % inside: net 4.19, tax 0.80.
        #expect(
            first["total_cents"] as? Int == 499 && first["net_cents"] as? Int == 419 && first["tax_cents"] as? Int == 80
                && first["tax_basis_points"] as? Int == 1900 && first["credits"] as? Int == 10, "\(first)")

        // Another user's invoice is not found; the owner's renders and says what the ledger says.
        let stranger = try await billing.http.signedInUser("stranger@imageswiss.test")
        let pdfPath = try #require(first["pdf_url"] as? String)
        #expect(try await billing.http.call("GET", pdfPath, bearer: stranger.access).status == 404)
        let pdf = try await billing.http.call("GET", pdfPath, bearer: user.access)
        #expect(pdf.status == 200 && pdf.headers["content-type"] == "application/pdf")
        #expect(pdf.body.starts(with: Data("%PDF-".utf8)))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("invoice-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("invoice.pdf")
        try pdf.body.write(to: file)
        let rendered = try await runWithStatus(
            "/usr/bin/pdftoppm", ["-png", "-r", "50", file.path, folder.appendingPathComponent("page").path])
        #expect(rendered.status == 0, "\(rendered.output)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("page-1.png").path))
        let text = try await runWithStatus("/usr/bin/pdftotext", ["-layout", file.path, "-"])
        for expected in [
            "Invoice INV-000001", "ImageSwiss Test GmbH", "8001 Zurich", "CHE-123.456.789", "Ada Lovelace", "DE999",
            "10 credits", "$4.99", "$4.19", "VAT 19.00 %", "$0.80",
        ] {
            #expect(text.output.contains(expected), "\(expected) missing from: \(text.output)")
        }

        // Payments racing each other still number without gaps; the totals are the receipts'.
        let buyers = try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<8 {
                group.addTask {
                    let buyer = try await billing.http.signedInUser("racer\(n)@imageswiss.test")
                    try await billing.buy("standard", token: buyer.access)
                }
            }
            try await group.waitForAll()
            return 8
        }
        #expect(try await billing.count("SELECT count(*) FROM invoices") == 2 + buyers)
        #expect(try await billing.count("SELECT max(number) - min(number) + 1 FROM invoices") == 2 + buyers)
        #expect(
            try await billing.count(
                "SELECT count(*) FROM receipts r JOIN invoices i ON i.receipt_id = r.id AND i.total_cents = r.amount_cents AND i.credits = r.credits"
            ) == 2 + buyers)
        #expect(
            try await billing.count(
                "SELECT (SELECT sum(credits) FROM invoices) - (SELECT sum(amount) FROM ledger_entries WHERE kind IN ('purchase', 'subscription_grant') AND reference NOT LIKE 'free%')"
            ) == 0)
    }
}
