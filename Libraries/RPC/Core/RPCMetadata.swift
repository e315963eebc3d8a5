/// Call metadata: string pairs carried in CallHeaders, with the keys every service understands.
public struct RPCMetadata: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public var values: [String: String]

    public init(_ values: [String: String] = [:]) { self.values = values }
    public init(dictionaryLiteral elements: (String, String)...) {
        self.values = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    public subscript(key: String) -> String? {
        get { self.values[key] }
        set { self.values[key] = newValue }
    }

    /// Correlates one user request across every service and log line.
    public static let requestID = "request-id"
    /// W3C traceparent of the caller's span.
    public static let traceID = "trace-id"
    /// The authenticated caller, as verified by the edge.
    public static let callerID = "caller-id"
    public static let callerRole = "caller-role"
    public static let callerScopes = "caller-scopes"
    /// The caller's session (refresh-token family) when it came with an access token.
    public static let callerSession = "caller-session"
    /// The caller's subscription tier ("free" when absent), for per-tier limits such as storage quotas.
    public static let callerTier = "caller-tier"
    /// "team" when the caller acts on a team's account (the edge after Auth confirmed the membership,
    /// Jobs for a team's holds): Billing opens such an account without the free tier's grant.
    public static let accountKind = "account-kind"

    public var requestID: String? {
        get { self[Self.requestID] }
        set { self[Self.requestID] = newValue }
    }
    public var callerID: String? {
        get { self[Self.callerID] }
        set { self[Self.callerID] = newValue }
    }
}
