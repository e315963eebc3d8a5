import Foundation
import ImageSwissProtos

// The JSON shapes of /api/v1/files and /api/v1/uploads. snake_case; times in RFC 3339.

struct FileJSON: Encodable {
    let id, purpose, content_type, sha256, name: String
    let size: UInt64
    let width, height: UInt32?
    let created_at, expires_at: String?

    init(_ blob: StorageBlob) {
        (self.id, self.purpose, self.content_type, self.sha256, self.name) = (
            blob.blobID, blob.purpose, blob.contentType, blob.sha256, blob.displayName
        )
        self.size = blob.byteSize
        (self.width, self.height) = blob.width > 0 ? (blob.width, blob.height) : (nil, nil)
        self.created_at = rfc3339(blob.createdAt)
        self.expires_at = blob.hasExpiresAt ? rfc3339(blob.expiresAt) : nil
    }
}

struct UploadJSON: Encodable {
    let id: String
    let received, max_chunk_size, max_size: UInt64
    let expires_at: String?
    let file_id: String?

    init(_ upload: StorageUpload) {
        (self.id, self.received, self.max_chunk_size, self.max_size) = (
            upload.uploadID, upload.received, upload.maxChunkSize, upload.maxSize
        )
        self.expires_at = rfc3339(upload.expiresAt)
        self.file_id = upload.blobID.isEmpty ? nil : upload.blobID
    }
}

struct UsageJSON: Encodable {
    let used_bytes, quota_bytes, files: UInt64
    let tier: String
}

struct UploadBeginBody: Decodable {
    var purpose: String?
    var name: String?
    var size: UInt64?
    var expires_in_seconds: UInt64?
}

struct LinkBody: Decodable {
    var ttl_seconds: UInt64?
    var disposition: String?
}

struct LinkJSON: Encodable {
    let url: String
    let expires_at: String?
}

struct ZipBody: Decodable {
    let ids: [String]
    var name: String?
}

struct ExpiryBody: Decodable {
    /// RFC 3339, or null to keep the file until deleted.
    var expires_at: String?
}
