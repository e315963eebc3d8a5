import Operations
import TestSupport
import Testing

/// Billing's seeded price list prices every operation of the catalogue (Libraries/Operations) under
/// the catalogue's Billing name, so a new operation cannot ship unpriced.
@Suite(.serialized) struct CataloguePriceTests {
    @Test func everyCatalogueOperationHasASeededPrice() async throws {
        let billing = try await BillingStack.start()
        defer { Task { await billing.stop() } }
        let priced = Set(
            try await billing.database.query(
                "SELECT operation FROM prices WHERE version = (SELECT max(version) FROM price_lists)"
            ).map { try $0.decode("operation", as: String.self) })
        for spec in OperationCatalog.all where spec.kind != .noop {
            #expect(
                priced.contains(spec.billingName),
                "\(spec.name) is priced as \(spec.billingName), which the price list lacks")
            if let classic = spec.classic {
                #expect(priced.contains(classic.billingName), "\(spec.name)'s classic method is unpriced")
            }
        }
    }
}
