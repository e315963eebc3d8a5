import Foundation
import HTTPTypes
import NIOCore
import Operations
import ServiceRuntime

/// Transformation answers this edge served recently, by link path and the format class the
/// `Accept` header picks: a cached hit then costs no call at all. Entries live for
/// EDGE_TRANSFORM_CACHE_MS (default 5 s; 0 turns the cache off), at most
/// EDGE_TRANSFORM_CACHE_ENTRIES (1000) of at most EDGE_TRANSFORM_CACHE_ENTRY_BYTES (128 KiB) each.
/// So a deleted file or key stops its links here within that time — the answers themselves say
/// `immutable` for a year, which any CDN or browser in front honours anyway.
final class TransformCache: Sendable {
    /// An answer's body and its headers, made once when it is stored.
    struct Entry: Sendable {
        let body: ByteBuffer
        let etag: String
        let headers: HTTPFields

        init(body: ByteBuffer, contentType: String, etag: String, varyAccept: Bool) {
            self.body = body
            self.etag = etag
            var headers: HTTPFields = [
                .contentType: contentType, .eTag: etag, .cacheControl: "public, max-age=31536000, immutable",
                .xContentTypeOptions: "nosniff", .contentSecurityPolicy: "default-src 'none'; sandbox",
                .contentLength: "\(body.readableBytes)",
            ]
            if varyAccept { headers[.vary] = "Accept" }
            self.headers = headers
        }
    }

    private let cache: ExpiringCache<Entry>
    private let lifetime: Duration
    private let maxEntryBytes: Int

    init(lifetime: Duration, entries: Int, maxEntryBytes: Int) {
        self.cache = ExpiringCache(capacity: max(1, entries))
        self.lifetime = lifetime
        self.maxEntryBytes = maxEntryBytes
    }

    /// A link's answer varies only with the format `auto` picks from `Accept`.
    static func key(path: String, accept: String) -> String {
        "\(path) \(TransformOptions.acceptedFormat(accept))"
    }

    func entry(_ key: String) -> Entry? {
        self.lifetime > .zero ? self.cache.value(for: key) : nil
    }

    func store(_ entry: Entry, for key: String) {
        guard self.lifetime > .zero, entry.body.readableBytes <= self.maxEntryBytes else { return }
        self.cache.store(entry, for: key, until: .now + self.lifetime)
    }
}
