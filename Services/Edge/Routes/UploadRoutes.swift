import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/uploads: resumable uploads for large files and flaky networks. POST begins (send an
/// Idempotency-Key to retry safely), PUT ?offset=N sends the next bytes, GET tells how many
/// arrived, POST …/commit makes the file, DELETE gives up.
struct UploadRoutes {
    let storage: RPCClient
    let tiers: TierLookup

    func add(to router: Router<EdgeRequestContext>) {
        let uploads = router.group("api/v1/uploads")
        uploads.requiring(.scope("files:write")).post(use: self.startUpload)
        uploads.requiring(.scope("files:write")).get(":id", use: self.uploadStatus)
        uploads.requiring(.scope("files:write")).put(":id", use: self.uploadChunk)
        uploads.requiring(.scope("files:write")).post(":id/commit", use: self.commitUpload)
        uploads.requiring(.scope("files:write")).delete(":id", use: self.abortUpload)
    }

    @Sendable func startUpload(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: UploadBeginBody.self, context: context)
        var call = StorageBeginUploadRequest()
        call.purpose = body.purpose ?? "upload"
        guard FileUploadRoutes.uploadPurposes.contains(call.purpose) else {
            throw EdgeError(
                .badRequest, "invalid_purpose", "purpose must be upload, avatar or training", field: "purpose")
        }
        call.displayName = body.name ?? ""
        call.expectedSize = body.size ?? 0
        call.expiresInSeconds = body.expiresInSeconds ?? 0
        call.idempotencyKey = Idempotency.key(request)
        let upload = try await self.storage.unary(
            StorageMethods.beginUpload, call, options: await self.tiers.options(context, caller))
        return try JSONAnswer.response(UploadJSON(upload), status: .created, request: request, context: context)
    }

    @Sendable func uploadStatus(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let upload = try await self.storage.unary(
            StorageMethods.getUpload, try Self.uploadRequest(context), options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(UploadJSON(upload), request: request, context: context)
    }

    @Sendable func uploadChunk(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let options = await self.tiers.options(context, caller)
        guard let offset = request.uri.queryParameters["offset"].flatMap({ UInt64($0) }) else {
            throw EdgeError(
                .badRequest, "invalid_offset", "PUT needs ?offset=<bytes already received>", field: "offset")
        }
        let status = try await self.storage.unary(
            StorageMethods.getUpload, try Self.uploadRequest(context), options: options)
        var writer = UploadWriter(storage: self.storage, options: options, upload: status, offset: offset)
        for try await buffer in request.body { try await writer.write(buffer.readableBytesView) }
        try await writer.flush()
        return try JSONAnswer.response(UploadJSON(writer.upload), request: request, context: context)
    }

    @Sendable func commitUpload(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let blob = try await self.storage.unary(
            StorageMethods.commitUpload, try Self.uploadRequest(context),
            options: await self.tiers.options(context, caller))
        return try JSONAnswer.response(FileJSON(blob), status: .created, request: request, context: context)
    }

    @Sendable func abortUpload(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        _ = try await self.storage.unary(
            StorageMethods.abortUpload, try Self.uploadRequest(context),
            options: EdgeCalls.options(context, caller))
        return Response(status: .noContent)
    }

    private static func uploadRequest(_ context: EdgeRequestContext) throws -> StorageUploadRequest {
        var call = StorageUploadRequest()
        call.uploadID = try context.parameters.require("id")
        return call
    }
}
