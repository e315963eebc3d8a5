import Foundation
import ImageSwissProtos

// The JSON shapes of /api/v1/files and /api/v1/uploads. camelCase in Swift, snake_case on the wire
// (CodingKeys); times in RFC 3339.

struct FileJSON: Encodable {
    let id, purpose, contentType, sha256, name: String
    let size: UInt64
    let width, height: UInt32?
    let createdAt, expiresAt: String?

    init(_ blob: StorageBlob) {
        (self.id, self.purpose, self.contentType, self.sha256, self.name) = (
            blob.blobID, blob.purpose, blob.contentType, blob.sha256, blob.displayName
        )
        self.size = blob.byteSize
        (self.width, self.height) = blob.width > 0 ? (blob.width, blob.height) : (nil, nil)
        self.createdAt = rfc3339(blob.createdAt)
        self.expiresAt = blob.hasExpiresAt ? rfc3339(blob.expiresAt) : nil
    }

    enum CodingKeys: String, CodingKey {
        case id, purpose, sha256, name, size, width, height
        case contentType = "content_type"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
    }
}

struct UploadJSON: Encodable {
    let id: String
    let received, maxChunkSize, maxSize: UInt64
    let expiresAt: String?
    let fileID: String?

    init(_ upload: StorageUpload) {
        (self.id, self.received, self.maxChunkSize, self.maxSize) = (
            upload.uploadID, upload.received, upload.maxChunkSize, upload.maxSize
        )
        self.expiresAt = rfc3339(upload.expiresAt)
        self.fileID = upload.blobID.isEmpty ? nil : upload.blobID
    }

    enum CodingKeys: String, CodingKey {
        case id, received
        case maxChunkSize = "max_chunk_size"
        case maxSize = "max_size"
        case expiresAt = "expires_at"
        case fileID = "file_id"
    }
}

struct UsageJSON: Encodable {
    let usedBytes, quotaBytes, files: UInt64
    let tier: String

    enum CodingKeys: String, CodingKey {
        case files, tier
        case usedBytes = "used_bytes"
        case quotaBytes = "quota_bytes"
    }
}

struct UploadBeginBody: Decodable {
    var purpose: String?
    var name: String?
    var size: UInt64?
    var expiresInSeconds: UInt64?

    enum CodingKeys: String, CodingKey {
        case purpose, name, size
        case expiresInSeconds = "expires_in_seconds"
    }
}

struct LinkBody: Decodable {
    var ttlSeconds: UInt64?
    var disposition: String?

    enum CodingKeys: String, CodingKey {
        case disposition
        case ttlSeconds = "ttl_seconds"
    }
}

struct LinkJSON: Encodable {
    let url: String
    let expiresAt: String?

    enum CodingKeys: String, CodingKey {
        case url
        case expiresAt = "expires_at"
    }
}

struct ZipBody: Decodable {
    let ids: [String]
    var name: String?
}

struct ExpiryBody: Decodable {
    /// RFC 3339, or null to keep the file until deleted.
    var expiresAt: String?

    enum CodingKeys: String, CodingKey {
        case expiresAt = "expires_at"
    }
}
