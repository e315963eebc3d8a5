import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// POST /api/v1/files: one file as the raw body, or several as multipart/form-data, each streamed
/// into Storage as it arrives (never held whole); a request that fails part-way leaves nothing.
/// Resumable uploads for large files: UploadRoutes.
struct FileUploadRoutes {
    let storage: RPCClient
    /// Quotas are per tier: uploads carry the caller's tier to Storage.
    let tiers: TierLookup

    /// What a person may upload through the API; results and thumbnails are made by Jobs.
    static let uploadPurposes: Set<String> = ["upload", "avatar", "training"]
    static let maxFilesPerRequest = 100

    func add(to router: Router<EdgeRequestContext>) {
        router.requiring(.scope("files:write")).post("api/v1/files", use: self.uploadFiles)
    }
    @Sendable func uploadFiles(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let purpose = request.uri.queryParameters["purpose"].map(String.init) ?? "upload"
        guard Self.uploadPurposes.contains(purpose) else {
            throw EdgeError(
                .badRequest, "invalid_purpose", "purpose must be upload, avatar or training", field: "purpose")
        }
        let options = await self.tiers.options(context, caller)
        if let contentType = request.headers[.contentType], contentType.lowercased().hasPrefix("multipart/") {
            guard let boundary = MultipartReader.boundary(contentType: contentType) else {
                throw EdgeError(
                    .badRequest, "invalid_multipart",
                    "multipart uploads must be multipart/form-data with a boundary")
            }
            let blobs = try await self.uploadMultipart(
                request.body, boundary: boundary, purpose: purpose, options: options)
            return try JSONAnswer.response(
                Page(items: blobs.map(FileJSON.init), nextPageToken: nil), status: .created, request: request,
                context: context)
        }
        let name =
            request.uri.queryParameters["name"].map(String.init)
            ?? request.headers[HTTPField.Name("X-File-Name")!].flatMap { $0.removingPercentEncoding } ?? ""
        let length = request.headers[.contentLength].flatMap { UInt64($0) }
        var writer = try await UploadWriter.begin(
            storage: self.storage, options: options, purpose: purpose, name: name, expectedSize: length)
        do {
            for try await buffer in request.body { try await writer.write(buffer.readableBytesView) }
            let blob = try await writer.commit()
            return try JSONAnswer.response(FileJSON(blob), status: .created, request: request, context: context)
        } catch {
            await writer.abort()
            throw error
        }
    }

    /// Each file part becomes a file; other fields are ignored. If any file fails, the files this
    /// request already stored are deleted again: a multipart upload keeps all its files or none.
    private func uploadMultipart(_ body: RequestBody, boundary: String, purpose: String, options: RPCCallOptions)
        async throws -> [StorageBlob]
    {
        var reader = MultipartReader(boundary: boundary)
        var stored: [StorageBlob] = []
        var current: UploadWriter?
        do {
            for try await buffer in body {
                for event in try reader.feed(buffer) {
                    switch event {
                    case .partBegin(_, let filename?):
                        guard stored.count < Self.maxFilesPerRequest else {
                            throw EdgeError(
                                .contentTooLarge, "too_many_files",
                                "at most \(Self.maxFilesPerRequest) files per request")
                        }
                        current = try await UploadWriter.begin(
                            storage: self.storage, options: options, purpose: purpose, name: filename, expectedSize: nil
                        )
                    case .partBegin:
                        current = nil  // a plain form field
                    case .data(let bytes):
                        try await current?.write(bytes)
                    case .partEnd:
                        if var writer = current {
                            current = nil
                            do { stored.append(try await writer.commit()) } catch {
                                await writer.abort()
                                throw error
                            }
                        }
                    }
                }
            }
            guard reader.isComplete else {
                throw EdgeError(
                    .badRequest, "invalid_multipart", "the multipart body ended before its closing boundary")
            }
            guard !stored.isEmpty else { throw EdgeError(.badRequest, "no_file", "the form has no file part") }
            return stored
        } catch {
            await current?.abort()
            for blob in stored {
                var call = StorageBlobRequest()
                call.blobID = blob.blobID
                _ = try? await self.storage.unary(StorageMethods.deleteBlob, call, options: options)
            }
            if let malformed = error as? MultipartReader.Malformed {
                throw EdgeError(.badRequest, "invalid_multipart", malformed.reason)
            }
            throw error
        }
    }
}
