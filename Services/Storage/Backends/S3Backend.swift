import S3

/// Objects in an S3-compatible bucket, under `objects/<2 hex>/<sha256>`. A PUT is acknowledged by
/// S3 only once durable; the SHA-256 is sent as x-amz-content-sha256, so S3 refuses damaged bytes.
struct S3Backend: BlobBackend {
    let client: S3Client
    var name: String { "s3" }

    func store(stagedFile path: String, sha256: String, size: Int64, contentType: String) async throws {
        if try await self.exists(sha256) { return }
        try await self.client.putObject(Self.relativeKey(sha256), file: path, sha256: sha256, contentType: contentType)
    }

    func exists(_ sha256: String) async throws -> Bool { try await self.client.objectExists(Self.relativeKey(sha256)) }

    func read(_ sha256: String, offset: Int64, length: Int) async throws -> [UInt8] {
        try await self.client.getObject(Self.relativeKey(sha256), offset: offset, length: length)
    }

    func remove(_ sha256: String) async throws { try await self.client.deleteObject(Self.relativeKey(sha256)) }
}

extension S3Error: S3ErrorDescribing {
    var shortDescription: String { self.status == 0 ? "unreachable" : "S3 \(self.status) \(self.code)" }
}
