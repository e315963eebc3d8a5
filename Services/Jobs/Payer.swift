import Foundation
import ImageSwissProtos
import RPC
import ServiceRuntime

/// Who pays for a submission: the caller's own account, or a team's that the caller belongs to.
/// The edge names the team (payer_id) only after Auth confirmed the membership, with the member's
/// monthly limit; Billing judges the limit from the team's holds, which name the member as spender,
/// under the team account's lock — so two submissions at once cannot both slip under it.
struct Payer: Sendable, Equatable {
    /// Billing's account that is held and charged.
    let account: String
    /// The member who spends from a team's account; nil for one's own.
    let spender: String?
    let monthlyLimit: Int64?

    init(caller: RPCCaller, payerID: String, monthlyLimit: Int64?) throws {
        let payer = payerID.lowercased()
        guard !payer.isEmpty, payer != caller.id else {
            (self.account, self.spender, self.monthlyLimit) = (caller.id, nil, nil)
            return
        }
        guard UUID(text: payer) != nil else { throw failure.invalid("payer_id", "a team id") }
        guard monthlyLimit.map({ $0 >= 0 }) ?? true else {
            throw failure.invalid("spender_monthly_limit", "0 or more credits")
        }
        (self.account, self.spender, self.monthlyLimit) = (payer, caller.id, monthlyLimit)
    }

    init(submitJob request: JobsSubmitJobRequest, caller: RPCCaller) throws {
        try self.init(
            caller: caller, payerID: request.payerID,
            monthlyLimit: request.hasSpenderMonthlyLimit ? request.spenderMonthlyLimit : nil)
    }

    init(submitBatch request: JobsSubmitBatchRequest, caller: RPCCaller) throws {
        try self.init(
            caller: caller, payerID: request.payerID,
            monthlyLimit: request.hasSpenderMonthlyLimit ? request.spenderMonthlyLimit : nil)
    }

    /// Calls to Billing on the payer's account (a team's is named as one: no free-tier grant).
    var options: RPCCallOptions {
        var options = Settlement.options(for: self.account)
        if self.spender != nil { options.metadata[RPCMetadata.accountKind] = "team" }
        return options
    }

    /// The jobs row's payer_id: NULL when the owner pays.
    var column: String? { self.spender == nil ? nil : self.account }

    /// Marks a hold as this payer's.
    func sign(_ hold: inout BillingHoldRequest) {
        guard let spender else { return }
        hold.spenderID = spender
        if let monthlyLimit { hold.spenderMonthlyLimit = monthlyLimit }
    }
}
