import Foundation

/// Where a newest-first listing ordered by (created_at, id) stopped: the page token
/// "<created_at in microseconds>_<id>" that Storage's and Jobs' listings hand out and take back.
public struct CreatedKeyset: Sendable, Equatable {
    public let createdMicros: Int64
    public let id: UUID

    public init(createdMicros: Int64, id: UUID) {
        self.createdMicros = createdMicros
        self.id = id
    }

    /// A token this format gave; nil for anything else (the caller answers invalid page_token).
    public init?(token: String) {
        let parts = token.split(separator: "_")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(text: String(parts[1])) else { return nil }
        self.init(createdMicros: micros, id: id)
    }

    public var token: String { "\(self.createdMicros)_\(self.id.lowercasedText)" }

    /// The rows after this one in newest-first order, as a condition on the given columns (compared
    /// in whole microseconds, as the token carries them), its values bound in `parameters`.
    public func rowsAfter(created: String = "created_at", id: String = "id", _ parameters: inout PostgresParameters)
        -> String
    {
        "((extract(epoch FROM \(created)) * 1000000)::bigint, \(id)) < (\(parameters.bind(self.createdMicros)), \(parameters.bind(self.id)))"
    }
}
