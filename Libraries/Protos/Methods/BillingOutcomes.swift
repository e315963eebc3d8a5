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
        var info = CommonErrorInfo()
        info.domain = "billing"
        info.reason = self.reason
        var details = [RPCErrorDetail(info)]
        if !self.field.isEmpty {
            var violation = CommonBadRequest.FieldViolation()
            violation.field = self.field
            violation.description_p = self.message
            var badRequest = CommonBadRequest()
            badRequest.fieldViolations = [violation]
            details.append(RPCErrorDetail(badRequest))
        }
        return RPCError(RPCStatusCode(rawValue: self.code), self.message, details: details)
    }
}

extension BillingHoldOutcome {
    /// One batch item's answer as its own call would give it: the hold, or the refusal thrown.
    public func get() throws(RPCError) -> BillingHold {
        if self.hasRefusal { throw self.refusal.error }
        return self.hold
    }
}
