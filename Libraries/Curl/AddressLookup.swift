import IPAddresses

extension CurlClient {
    /// The addresses `host` resolves to (getaddrinfo, on this client's threads), as numeric text.
    public func addresses(of host: String) async throws -> [String] {
        try await self.threads.runIfActive { try Self.lookUp(host) }
    }

    static func lookUp(_ host: String) throws -> [String] {
        do {
            return try NetworkAddress.lookUp(host)
        } catch {
            throw CurlError(error.description)
        }
    }
}
