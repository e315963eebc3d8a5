import Foundation
import NIOCore

extension RPCError {
    /// The STATUS frame payload for this error.
    public var wireStatus: RPCCallStatus {
        var status = RPCCallStatus()
        status.code = self.code.rawValue
        status.message = self.message
        status.details = self.details.map { detail in
            var wire = RPCStatusDetail()
            wire.typeURL = detail.typeURL
            wire.value = Data(detail.value)
            return wire
        }
        status.trailers = self.trailers
        return status
    }

    init(wireStatus status: RPCCallStatus) {
        self.init(
            RPCStatusCode(rawValue: status.code), status.message,
            details: status.details.map { RPCErrorDetail(typeURL: $0.typeURL, value: Array($0.value)) },
            trailers: status.trailers
        )
    }

    /// Maps whatever a handler threw to the status the client sees.
    static func from(handlerError error: any Error) -> RPCError {
        switch error {
        case let error as RPCError: return error
        case let error as RPCErrorConvertible: return error.rpcError
        case is CancellationError: return RPCError(.cancelled, "call cancelled")
        default: return RPCError(.internal, "internal error")
        }
    }
}

/// An error of another library that knows the status it should be answered with (ServiceRuntime maps
/// PostgreSQL's refusals of bad values this way); any other error is answered `internal`.
public protocol RPCErrorConvertible: Error {
    var rpcError: RPCError { get }
}
