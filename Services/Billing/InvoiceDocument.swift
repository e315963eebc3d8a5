import Foundation
import ImageSwissProtos
import PDF

/// An invoice laid out as a one-page PDF: number and date, seller and buyer, the line, net, tax and total.
struct InvoiceDocument {
    let invoice: BillingInvoice
    let seller: [String: String]
    let buyer: [String: String]

    static func money(_ cents: Int64, _ currency: String) -> String {
        let amount = "\(cents / 100).\(String(format: "%02lld", cents % 100))"
        return currency.lowercased() == "usd" ? "$\(amount)" : "\(amount) \(currency.uppercased())"
    }

    func render() throws -> [UInt8] {
        typealias Line = TextDocument.Line
        let date = ISO8601DateFormatter.string(
            from: Date(timeIntervalSince1970: Double(self.invoice.createdAt.unixMicros) / 1e6),
            timeZone: TimeZone(identifier: "UTC")!,
            formatOptions: [.withFullDate])
        var lines = [Line("Invoice \(self.invoice.number)", size: 18, bold: true), Line("Date: \(date)"), Line("")]
        lines.append(Line("From", bold: true))
        lines += self.party(self.seller)
        lines.append(Line(""))
        lines.append(Line("To", bold: true))
        lines += self.party(self.buyer)
        if (self.buyer["name"] ?? "").isEmpty { lines.append(Line("Account \(self.buyer["account_id"] ?? "")")) }
        lines.append(Line(""))
        let currency = self.invoice.currency
        lines.append(Line("Item", bold: true, right: "Amount", rule: true))
        lines.append(
            Line(
                "\(self.invoice.description_p) (\(self.invoice.credits) credits)",
                right: Self.money(self.invoice.totalCents, currency)))
        lines.append(Line("", rule: true))
        lines.append(Line("Net", right: Self.money(self.invoice.netCents, currency)))
        let rate = self.invoice.taxBasisPoints
        let percent = rate == 0 ? "" : " \(rate / 100).\(String(format: "%02u", rate % 100)) %"
        lines.append(Line("\(self.invoice.taxName)\(percent)", right: Self.money(self.invoice.taxCents, currency)))
        lines.append(Line("Total", size: 12, bold: true, right: Self.money(self.invoice.totalCents, currency)))
        lines.append(Line(""))
        lines.append(Line("Paid. Prices include tax.", size: 9))
        return try TextDocument(title: "Invoice \(self.invoice.number)", lines: lines).render()
    }

    /// A credit note laid out as its invoice is: the refund of the invoice as negative amounts.
    static func creditNote(_ note: BillingCreditNote, seller: [String: String], buyer: [String: String]) throws
        -> [UInt8]
    {
        typealias Line = TextDocument.Line
        let date = ISO8601DateFormatter.string(
            from: Date(timeIntervalSince1970: Double(note.createdAt.unixMicros) / 1e6),
            timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        let document = InvoiceDocument(invoice: BillingInvoice(), seller: seller, buyer: buyer)
        var lines = [
            Line("Credit note \(note.number)", size: 18, bold: true), Line("Date: \(date)"),
            Line("Refers to invoice \(note.invoiceNumber)"), Line(""),
        ]
        lines.append(Line("From", bold: true))
        lines += document.party(seller)
        lines.append(Line(""))
        lines.append(Line("To", bold: true))
        lines += document.party(buyer)
        if (buyer["name"] ?? "").isEmpty { lines.append(Line("Account \(buyer["account_id"] ?? "")")) }
        lines.append(Line(""))
        let money = { (cents: Int64) in "-" + Self.money(cents, note.currency) }
        lines.append(Line("Item", bold: true, right: "Amount", rule: true))
        lines.append(
            Line(
                "Refund of invoice \(note.invoiceNumber) (\(note.creditsRemoved) credits taken back)",
                right: money(note.totalCents)))
        if !note.reason.isEmpty { lines.append(Line("Reason: \(note.reason)", size: 9)) }
        lines.append(Line("", rule: true))
        lines.append(Line("Net", right: money(note.netCents)))
        lines.append(Line("Tax", right: money(note.taxCents)))
        lines.append(Line("Total refunded", size: 12, bold: true, right: money(note.totalCents)))
        lines.append(Line(""))
        lines.append(Line("Refunded to the means of payment of the invoice. Amounts include tax.", size: 9))
        return try TextDocument(title: "Credit note \(note.number)", lines: lines).render()
    }

    private func party(_ details: [String: String]) -> [TextDocument.Line] {
        var lines: [TextDocument.Line] = []
        for key in ["name", "address", "country"] {
            for part in (details[key] ?? "").split(separator: "\n") where !part.isEmpty {
                lines.append(.init(String(part)))
            }
        }
        if let taxID = details["tax_id"], !taxID.isEmpty { lines.append(.init("Tax id: \(taxID)")) }
        return lines
    }
}
