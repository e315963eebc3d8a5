import ImageSwissProtos
import RPC
import Testing

@testable import Billing

/// How the ledger functions' refusals ('reason:detail', Services/Billing/SQL/README.md) become the
/// errors Billing answers: the code, the stable reason the edge shows, the field at fault.
struct LedgerRefusalTests {
    @Test("every refusal the SQL functions decide maps to its code, reason and field")
    func refusalsMapToTheirErrors() {
        let cases: [(String, RPCStatusCode, String, String?)] = [
            ("daily_cap_reached:50:48", .resourceExhausted, "daily_cap_reached", nil),
            ("member_limit_reached:20:18", .resourceExhausted, "member_limit_reached", nil),
            ("insufficient_credits:2", .failedPrecondition, "insufficient_credits", nil),
            ("not_found", .notFound, "not_found", nil),
            ("idempotency_key_reused", .failedPrecondition, "idempotency_key_reused", "idempotency_key"),
            ("hold_resolved:captured", .failedPrecondition, "hold_resolved", nil),
            ("capture_exceeds_hold:3", .invalidArgument, "capture_exceeds_hold", "amount"),
        ]
        for (message, code, reason, field) in cases {
            let error = BillingService.ledgerRefusal(message)
            #expect(error.code == code, "\(message)")
            #expect(error.detail(CommonErrorInfo.self)?.reason == reason, "\(message)")
            #expect(error.detail(CommonErrorInfo.self)?.domain == "billing", "\(message)")
            #expect(error.detail(CommonBadRequest.self)?.fieldViolations.first?.field == field, "\(message)")
        }
        #expect(BillingService.ledgerRefusal("daily_cap_reached:50:48").message.contains("50"))
        #expect(BillingService.ledgerRefusal("hold_resolved:released").message.contains("released"))
        #expect(BillingService.ledgerRefusal("something new").code == .internal)
    }
}
