import RPC

extension RPCError {
    /// An error with a stable machine-readable reason (CommonErrorInfo), and the request field at
    /// fault when there is one (CommonBadRequest). The edge turns the reason into its JSON `code`.
    public static func reasoned(
        _ code: RPCStatusCode, domain: String, reason: String, _ message: String, field: String? = nil
    ) -> RPCError {
        RPCError(
            code, field.map { "\($0): \(message)" } ?? message,
            details: Self.reasonDetails(domain: domain, reason: reason, field: field, description: message))
    }

    /// The details `reasoned` attaches: the reason, and the field at fault with its description.
    public static func reasonDetails(domain: String, reason: String, field: String?, description: String)
        -> [RPCErrorDetail]
    {
        var info = CommonErrorInfo()
        info.domain = domain
        info.reason = reason
        var details = [RPCErrorDetail(info)]
        if let field {
            var violation = CommonBadRequest.FieldViolation()
            violation.field = field
            violation.description_p = description
            var badRequest = CommonBadRequest()
            badRequest.fieldViolations = [violation]
            details.append(RPCErrorDetail(badRequest))
        }
        return details
    }
}
