import Foundation
import ImageSwissProtos
import Postgres
import ServiceRuntime

/// One row of `blobs`, and its wire form.
struct BlobRecord: Sendable {
    let id: UUID
    let ownerID: String
    let purpose: String
    let contentType: String
    let byteSize: Int64
    let sha256: String
    let displayName: String
    let width: Int
    let height: Int
    let createdMicros: Int64
    let expiresMicros: Int64?
    /// Derivatives only: the file and the canonical transformation.
    let derivedFrom: UUID?
    let transform: String?

    /// Whether the row named `blobs` is a derivative. A derivative's row says "result" (`blobs`'
    /// purpose check is the previous release's: changing it locked `blobs` during a rolling upgrade,
    /// Storage migration 8); its source and transformation are in `derivatives`.
    static let isDerivative = "EXISTS (SELECT 1 FROM derivatives d WHERE d.blob_id = blobs.id)"

    /// The columns every query selecting blobs names, in this order, from rows named `blobs`; a
    /// derivative's purpose reads "derivative".
    static let columns = """
        id, owner_id,
        CASE WHEN purpose = 'result' AND \(isDerivative) THEN 'derivative' ELSE purpose END AS purpose,
        content_type, byte_size, sha256, display_name, width, height,
        (extract(epoch FROM created_at) * 1000000)::bigint AS created_us,
        (extract(epoch FROM expires_at) * 1000000)::bigint AS expires_us,
        CASE WHEN purpose = 'result' THEN (SELECT d.source_id FROM derivatives d WHERE d.blob_id = blobs.id)
        END AS derived_from,
        CASE WHEN purpose = 'result' THEN (SELECT d.transform FROM derivatives d WHERE d.blob_id = blobs.id)
        END AS transform
        """

    init(_ row: PostgresRow) throws {
        self.id = try row.decode("id")
        self.ownerID = try row.decode("owner_id")
        self.purpose = try row.decode("purpose")
        self.contentType = try row.decode("content_type")
        self.byteSize = try row.decode("byte_size")
        self.sha256 = try row.decode("sha256")
        self.displayName = try row.decode("display_name")
        self.width = try row.decode("width")
        self.height = try row.decode("height")
        self.createdMicros = try row.decode("created_us")
        self.expiresMicros = try row.decodeIfPresent("expires_us")
        self.derivedFrom = try row.decodeIfPresent("derived_from")
        self.transform = try row.decodeIfPresent("transform")
    }

    var message: StorageBlob {
        var blob = StorageBlob()
        blob.blobID = self.id.lowercasedText
        blob.ownerID = self.ownerID
        blob.purpose = self.purpose
        blob.contentType = self.contentType
        blob.byteSize = UInt64(self.byteSize)
        blob.width = UInt32(clamping: self.width)
        blob.height = UInt32(clamping: self.height)
        blob.sha256 = self.sha256
        blob.displayName = self.displayName
        blob.createdAt = .micros(self.createdMicros)
        if let expires = self.expiresMicros { blob.expiresAt = .micros(expires) }
        if let source = self.derivedFrom { blob.derivedFrom = source.lowercasedText }
        if let transform = self.transform { blob.transform = transform }
        return blob
    }
}
