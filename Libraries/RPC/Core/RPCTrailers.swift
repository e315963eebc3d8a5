import NIOConcurrencyHelpers

/// Trailers: string pairs a call's STATUS carries back (docs/protocol.md §6), on success too. A
/// handler adds to the answer's through `RPCTrailers.response` (the server binds one box per call
/// around its handler); a caller that wants its callees' trailers binds `RPCTrailers.collected`
/// around its calls (the edge does, to mark idempotent replays). Nothing is bound otherwise, and a
/// service's own outbound calls never collect into the box of the call it is answering.
public final class RPCTrailers: Sendable {
    /// The answer's trailers of the call being handled (server side).
    @TaskLocal public static var response: RPCTrailers?
    /// Where the trailers of calls made in this scope go (client side).
    @TaskLocal public static var collected: RPCTrailers?

    /// "true" on an answer replayed from an idempotency key's record instead of being made anew.
    public static let idempotentReplayed = "idempotent-replayed"

    private let box = NIOLockedValueBox([String: String]())

    public init() {}

    public func set(_ key: String, _ value: String) { self.box.withLockedValue { $0[key] = value } }

    public var values: [String: String] { self.box.withLockedValue { $0 } }

    public subscript(key: String) -> String? { self.box.withLockedValue { $0[key] } }

    func merge(_ trailers: [String: String]) {
        guard !trailers.isEmpty else { return }
        self.box.withLockedValue { $0.merge(trailers) { _, new in new } }
    }

    /// Marks the answer being made as an idempotent replay (a no-op outside a handler).
    public static func markReplayed() { Self.response?.set(Self.idempotentReplayed, "true") }
}
