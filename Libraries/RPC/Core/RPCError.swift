import SwiftProtobuf

/// The error a call fails with: a status code, a message for humans and typed details for programs.
///
/// Handlers throw it to answer with a status; clients catch it. Any other error thrown by a handler
/// reaches the client as INTERNAL without its text, so internals never leak.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: RPCStatusCode
    public var message: String
    public var details: [RPCErrorDetail]
    public var trailers: [String: String]

    public init(
        _ code: RPCStatusCode, _ message: String, details: [RPCErrorDetail] = [], trailers: [String: String] = [:]
    ) {
        self.code = code
        self.message = message
        self.details = details
        self.trailers = trailers
    }

    public var description: String { "\(self.code): \(self.message)" }

    /// The trailer a server sets on a call it refused without running it (draining); any call so refused
    /// may be retried, idempotent or not.
    public static let refusedTrailer = "refused"

    /// True when the call certainly did not run on the server, so retrying it cannot do anything twice.
    public var wasNotProcessed: Bool { self.trailers[Self.refusedTrailer] == "1" }

    static func refused(_ message: String) -> RPCError {
        RPCError(.unavailable, message, trailers: [Self.refusedTrailer: "1"])
    }

    /// The first detail of the given type, decoded.
    public func detail<M: SwiftProtobuf.Message>(_ type: M.Type) -> M? {
        for detail in self.details where detail.typeURL == RPCErrorDetail.typeURL(for: type) {
            if let message = try? M(serializedBytes: detail.value) { return message }
        }
        return nil
    }
}

/// A typed error detail, wire-compatible with google.protobuf.Any.
public struct RPCErrorDetail: Sendable, Equatable {
    public var typeURL: String
    public var value: [UInt8]

    public init(typeURL: String, value: [UInt8]) {
        self.typeURL = typeURL
        self.value = value
    }

    public init<M: SwiftProtobuf.Message>(_ message: M) {
        self.typeURL = Self.typeURL(for: M.self)
        self.value = (try? message.serializedBytes()) ?? []
    }

    public static func typeURL<M: SwiftProtobuf.Message>(for type: M.Type) -> String {
        "type.imageswiss.dev/\(M.protoMessageName)"
    }
}
