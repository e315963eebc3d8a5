/// Where blob bytes live, addressed by content: the key of an object is its SHA-256 (hex), so equal
/// content is stored once whoever uploads it. Storage's database says which blobs name which object.
protocol BlobBackend: Sendable {
    /// "local" or "s3", for logs and health.
    var name: String { get }
    /// Makes the sealed staged file the object `sha256`; nothing happens when the object exists.
    /// Returns only once the object is durable.
    func store(stagedFile path: String, sha256: String, size: Int64, contentType: String) async throws
    func exists(_ sha256: String) async throws -> Bool
    /// Up to `length` bytes of the object from `offset`.
    func read(_ sha256: String, offset: Int64, length: Int) async throws -> [UInt8]
    /// Removes the object; a missing object is not an error.
    func remove(_ sha256: String) async throws
}

extension BlobBackend {
    /// Objects fan out over 256 folders (or key prefixes) by their first two hex digits.
    static func relativeKey(_ sha256: String) -> String { "objects/\(sha256.prefix(2))/\(sha256)" }
}
