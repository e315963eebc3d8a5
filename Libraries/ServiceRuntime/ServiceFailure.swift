import Foundation
import Postgres
import RPC

/// A service's errors, each with a stable reason the edge returns as its JSON error code and the
/// service's name as its domain. Every service has one, `failure` (e.g. `ServiceFailure(domain: "jobs")`);
/// what only one service refuses is an extension in that service.
public struct ServiceFailure: Sendable {
    public let domain: String

    public init(domain: String) { self.domain = domain }

    public func error(_ code: RPCStatusCode, _ reason: String, _ message: String, field: String? = nil) -> RPCError {
        .reasoned(code, domain: self.domain, reason: reason, message, field: field)
    }

    /// A bad value of one request field: `invalid_<field>`.
    public func invalid(_ field: String, _ message: String) -> RPCError {
        self.error(.invalidArgument, "invalid_\(field)", message, field: field)
    }

    /// Unknown ids and other owners' ids are the same answer: nobody learns another's ids exist.
    public func notFound(_ what: String) -> RPCError { self.error(.notFound, "not_found", "\(what) not found") }

    public var adminOnly: RPCError { self.error(.permissionDenied, "admin_only", "this call is for administrators") }

    public func internalError(_ message: String) -> RPCError { RPCError(.internal, message) }

    /// Ids in requests are UUIDs; anything else cannot name anything, so it is not found, like another
    /// user's id.
    public func parseID(_ text: String, _ what: String) throws(RPCError) -> UUID {
        guard let id = UUID(text: text) else { throw self.notFound(what) }
        return id
    }
}
