/// A failure from PostgreSQL or from reaching it.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// Could not connect, or the connection broke: the statement may or may not have run.
        case connection
        /// The server rejected the statement; `sqlState` says why.
        case query
        /// A value could not be decoded into the requested Swift type.
        case decoding
    }

    public var kind: Kind
    /// The five-character SQLSTATE, e.g. "23505" for a unique violation.
    public var sqlState: String?
    public var message: String
    /// The primary message alone (no "ERROR:" prefix, detail or context): what a PL/pgSQL
    /// `RAISE … USING MESSAGE` said.
    public var primaryMessage: String?

    public init(_ kind: Kind, _ message: String, sqlState: String? = nil, primaryMessage: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.primaryMessage = primaryMessage
    }

    public var description: String {
        if let sqlState { return "postgres \(self.kind) error \(sqlState): \(self.message)" }
        return "postgres \(self.kind) error: \(self.message)"
    }

    public var isUniqueViolation: Bool { self.sqlState == "23505" }
    public var isSerializationFailure: Bool { self.sqlState == "40001" || self.sqlState == "40P01" }
}
