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
