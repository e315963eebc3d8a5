import RPC

extension BillingRefusal {
    /// An error as one batch item's answer: what that item's own call would have thrown.
    public init(_ error: RPCError) {
        self.init()
        self.code = error.code.rawValue
        self.message = error.message
        self.reason = error.detail(CommonErrorInfo.self)?.reason ?? ""
        self.field = error.detail(CommonBadRequest.self)?.fieldViolations.first?.field ?? ""
    }

    /// The refusal as the error its own call would have thrown (reason and field kept).
    public var error: RPCError {
        RPCError(
            RPCStatusCode(rawValue: self.code), self.message,
            details: RPCError.reasonDetails(
                domain: "billing", reason: self.reason, field: self.field.isEmpty ? nil : self.field,
                description: self.message))
    }
}
