import RPC

extension ServiceConfiguration {
    /// RPC_IDENTITY_KEY (or RPC_IDENTITY_KEY_FILE): comma-separated shared keys, each at least 32
    /// bytes; the first signs this service's calls, every one verifies calls to it (rotation:
    /// docs/operations.md). RPC_IDENTITY_MAX_SKEW_S (300) bounds a proof's age. Nil when unset: then
    /// internal calls are not authenticated, which ServiceMain warns about at start.
    public func rpcIdentity() throws -> RPCIdentity? {
        guard let text = self.string("RPC_IDENTITY_KEY") else { return nil }
        let keys = text.split(separator: ",").map { String($0) }.filter { !$0.isEmpty }
        do {
            return try RPCIdentity(
                service: self.serviceName, keys: keys,
                maxSkewSeconds: try self.int("RPC_IDENTITY_MAX_SKEW_S", default: 300))
        } catch let error as RPCError {
            throw ConfigurationError("RPC_IDENTITY_KEY: \(error.message)")
        }
    }
}
