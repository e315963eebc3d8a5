import Curl
import Foundation
import IPAddresses

/// Where one delivery goes. The URL's host is resolved once per delivery (or taken from
/// JOBS_WEBHOOK_HOSTS), every address it resolves to is checked, and the transfer is pinned to a
/// checked address (CURLOPT_RESOLVE): a DNS answer that changes between the check and the connect
/// cannot reach inside. Development (JOBS_WEBHOOK_ALLOW_HTTP) lets internal receivers through.
struct WebhookDestination: Sendable {
    let host: String
    let port: Int
    let address: String

    /// curl's "host:port:address" (an IPv6 address in brackets); none for a URL that names an address.
    var pins: [String] {
        NetworkAddress.bytes(self.host) != nil
            ? [] : ["\(self.host):\(self.port):\(self.address.contains(":") ? "[\(self.address)]" : self.address)"]
    }

    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    static func resolve(_ url: String, curl: CurlClient, pinned: [String: String], allowInternal: Bool) async throws
        -> WebhookDestination
    {
        guard let components = URLComponents(string: url), let rawHost = components.host, !rawHost.isEmpty else {
            throw Refused(description: "the webhook URL has no host")
        }
        let host = rawHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        let port = components.port ?? (components.scheme?.lowercased() == "http" ? 80 : 443)
        let addresses: [String]
        if NetworkAddress.bytes(host) != nil {
            addresses = [host]
        } else if let address = pinned[host] {
            addresses = [address]
        } else {
            do {
                addresses = try await curl.addresses(of: host)
            } catch {
                throw Refused(description: "\(error)")
            }
        }
        guard let first = addresses.first else { throw Refused(description: "\(host) resolves to no address") }
        if !allowInternal, let inside = addresses.first(where: { NetworkAddress.isInternal($0) != false }) {
            throw Refused(description: "\(host) resolves to an internal address (\(inside)): not delivered")
        }
        return WebhookDestination(host: host, port: port, address: first)
    }
}
