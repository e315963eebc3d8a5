import RPC

/// The caller the edge verified, as internal services read it from call metadata
/// (caller-id, caller-role, caller-scopes, caller-tier). A call without a caller is UNAUTHENTICATED.
public struct RPCCaller: Sendable {
    public let id: String
    public let role: String
    /// "*" for signed-in sessions; an API key's own scopes otherwise.
    public let scopes: [String]
    /// The subscription tier ("free" unless the edge says otherwise).
    public let tier: String
    /// The signed-in session behind an access token; nil for API keys.
    public let session: String?
    /// "team" for a team's account, "person" otherwise (account-kind).
    public let accountKind: String

    /// Signed-in sessions carry every scope ("*"); API keys carry theirs.
    public var isSession: Bool { self.scopes.contains("*") }

    public init(_ metadata: RPCMetadata) throws(RPCError) {
        guard let id = metadata.callerID, !id.isEmpty else {
            throw RPCError(.unauthenticated, "this call needs a caller (caller-id metadata)")
        }
        self.id = id.lowercased()
        self.role = metadata[RPCMetadata.callerRole] ?? "user"
        self.scopes = (metadata[RPCMetadata.callerScopes] ?? "").split(separator: " ").map(String.init)
        self.tier = metadata[RPCMetadata.callerTier].flatMap { $0.isEmpty ? nil : $0 } ?? "free"
        self.session = metadata[RPCMetadata.callerSession].flatMap { $0.isEmpty ? nil : $0.lowercased() }
        self.accountKind = metadata[RPCMetadata.accountKind] == "team" ? "team" : "person"
    }
}
