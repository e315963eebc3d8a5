import Hummingbird
import RPC

/// The options of the edge's RPCs: a deadline, the request id, and whom the call is for.
enum EdgeCalls {
    /// Call options: a deadline, the request id, and the caller when there is one.
    static func options(
        _ context: EdgeRequestContext, _ caller: VerifiedCaller? = nil, timeout: Duration = .seconds(10)
    ) -> RPCCallOptions {
        let metadata =
            caller?.metadata(requestID: context.requestID)
            ?? RPCMetadata(context.requestID.map { [RPCMetadata.requestID: $0] } ?? [:])
        return RPCCallOptions(timeout: timeout, metadata: metadata)
    }

    /// Jobs' calls that may wait on the queue's database (submissions, zips, admin queue reads).
    static func jobOptions(_ context: EdgeRequestContext, _ caller: VerifiedCaller) -> RPCCallOptions {
        self.options(context, caller, timeout: .seconds(30))
    }

    /// The edge itself, as a service, acting on `account`'s things for something the caller may do
    /// with them but does not own (signing a preset preview's link, dropping a leaving member's shares).
    static func asService(for account: String, context: EdgeRequestContext) -> RPCCallOptions {
        var metadata = RPCMetadata([
            RPCMetadata.callerID: account.lowercased(), RPCMetadata.callerRole: "service",
            RPCMetadata.callerScopes: "*",
        ])
        metadata.requestID = context.requestID
        return RPCCallOptions(timeout: .seconds(10), metadata: metadata)
    }
}
