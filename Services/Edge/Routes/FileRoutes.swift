import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/files: the caller's files — list, metadata, expiry, delete, download, signed links, zips
/// and usage. Uploads: FileUploadRoutes and UploadRoutes.
struct FileRoutes {
    let storage: RPCClient
    /// Quotas are per tier: uploads carry the caller's tier to Storage.
    let tiers: TierLookup
    /// Where signed links point (EDGE_PUBLIC_URL); empty: links are paths on this host.
    let publicURL: String

    func add(to router: Router<EdgeRequestContext>) {
        let files = router.group("api/v1/files")
        self.addReads(to: files)
        files.requiring(.scope("files:read")).get("usage", use: self.usage)
        files.requiring(.scope("files:read")).post("zip", use: self.zip)
        files.requiring(.scope("files:write")).patch(":id", use: self.update)
        files.requiring(.scope("files:write")).delete(":id", use: self.delete)
        files.requiring(.scope("files:read")).post(":id/link", use: self.link)
    }

    /// Listing and reading files: one's own under /api/v1/files, a team's shared ones under
    /// /api/v1/teams/{team}/files (TeamRoutes).
    func addReads(to files: RouterGroup<EdgeRequestContext>) {
        let reads = files.requiring(.scope("files:read"))
        reads.get(use: self.list)
        reads.get(":id", use: self.file)
        for method in [HTTPRequest.Method.get, .head] {
            reads.on(":id/content", method: method, use: self.content)
        }
    }

    @Sendable func usage(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let usage = try await self.storage.unary(
            StorageMethods.getUsage, StorageUsageRequest(), options: await self.tiers.options(context, caller))
        return try JSONAnswer.response(
            UsageJSON(
                usedBytes: usage.usedBytes, quotaBytes: usage.quotaBytes, files: usage.blobCount, tier: usage.tier
            ),
            request: request, context: context)
    }

    @Sendable func zip(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: ZipBody.self, context: context)
        return try await ZipResponse.stream(
            self.storage, ids: body.ids, name: DisplayNameHeader.zipName(body.name),
            options: EdgeCalls.options(context, caller))
    }

    @Sendable func update(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: ExpiryBody.self, context: context)
        var call = StorageSetExpiryRequest()
        call.blobID = try context.parameters.require("id")
        if let text = body.expiresAt { call.expiresAt = try QueryValues.timestamp(text, field: "expires_at") }
        let blob = try await self.storage.unary(
            StorageMethods.setExpiry, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(FileJSON(blob), request: request, context: context)
    }

    @Sendable func delete(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = StorageBlobRequest()
        call.blobID = try context.parameters.require("id")
        _ = try await self.storage.unary(
            StorageMethods.deleteBlob, call, options: EdgeCalls.options(context, caller))
        return Response(status: .noContent)
    }

    @Sendable func link(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = (try? await request.decode(as: LinkBody.self, context: context)) ?? LinkBody()
        var call = StorageSignDownloadRequest()
        call.blobID = try context.parameters.require("id")
        call.ttlSeconds = body.ttlSeconds ?? 0
        call.disposition = body.disposition ?? ""
        let access = try await self.storage.unary(
            StorageMethods.signDownload, call, options: EdgeCalls.options(context, caller))
        let url = self.publicURL + DownloadRoutes.path(for: access)
        return try JSONAnswer.response(
            LinkJSON(url: url, expiresAt: rfc3339(.seconds(access.expiresUnix))), status: .created,
            request: request, context: context)
    }

    /// DELETE /api/v1/admin/users/{id}/files: an administrator purges a user's files (the repair for
    /// an account deletion whose purge failed). Storage acts on the named user.
    func addAdmin(to router: Router<EdgeRequestContext>) {
        router.requiring(.admin).delete("api/v1/admin/users/:id/files", use: self.purgeUserFiles)
    }

    @Sendable func purgeUserFiles(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let target = try context.parameters.require("id")
        guard UUID(uuidString: target) != nil else { throw EdgeError(.notFound, "not_found", "user not found") }
        var metadata = EdgeCalls.options(context, caller).metadata
        metadata.callerID = target.lowercased()
        metadata[RPCMetadata.callerRole] = "user"
        let purged = try await self.storage.unary(
            StorageMethods.purgeOwner, StoragePurgeOwnerRequest(),
            options: RPCCallOptions(timeout: .seconds(120), metadata: metadata))
        context.logger.notice(
            "admin purged a user's files",
            metadata: ["admin": "\(caller.userID)", "user": "\(target)", "files": "\(purged.deletedBlobs)"])
        return try JSONAnswer.response(["deleted_files": purged.deletedBlobs], request: request, context: context)
    }

    @Sendable func list(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = request.uri.queryParameters
        var call = StorageListBlobsRequest()
        call.purpose = query["purpose"].map(String.init) ?? ""
        call.contentTypePrefix = query["type"].map(String.init) ?? ""
        if let size = query["page_size"] {
            guard let value = UInt32(size), value > 0 else {
                throw EdgeError(.badRequest, "invalid_page_size", "page_size must be 1 to 200", field: "page_size")
            }
            call.page.pageSize = value
        }
        call.page.pageToken = query["page_token"].map(String.init) ?? ""
        if let after = query["created_after"] {
            call.createdAfter = try QueryValues.timestamp(String(after), field: "created_after")
        }
        if let before = query["created_before"] {
            call.createdBefore = try QueryValues.timestamp(String(before), field: "created_before")
        }
        let page = try await self.storage.unary(
            StorageMethods.listBlobs, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(
            Page(items: page.blobs.map(FileJSON.init), nextPageToken: QueryValues.nextToken(page.page)),
            request: request, context: context)
    }

    @Sendable func file(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let blob = try await self.blob(context, caller)
        return try JSONAnswer.response(FileJSON(blob), request: request, context: context)
    }

    @Sendable func content(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let blob = try await self.blob(context, caller)
        let disposition =
            request.uri.queryParameters["disposition"] == "inline"
                && DownloadRoutes.inlineTypes.contains(blob.contentType)
            ? "inline" : "attachment"
        return try await BlobResponse(storage: self.storage).respond(
            request, blob: blob, disposition: disposition,
            options: EdgeCalls.options(context, caller))
    }

    private func blob(_ context: EdgeRequestContext, _ caller: VerifiedCaller) async throws -> StorageBlob {
        var call = StorageBlobRequest()
        call.blobID = try context.parameters.require("id")
        return try await self.storage.unary(StorageMethods.getBlob, call, options: EdgeCalls.options(context, caller))
    }

}

/// The name of a zip download: the one asked for (cleaned), or "imageswiss-files.zip".
enum DisplayNameHeader {
    static func zipName(_ requested: String?) -> String {
        let cleaned = (requested ?? "").unicodeScalars.filter {
            $0.value >= 0x20 && $0.value != 0x7F && $0 != "/" && $0 != "\\"
        }
        var name = String(String.UnicodeScalarView(cleaned)).trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name == "." || name == ".." { name = "imageswiss-files" }
        if !name.lowercased().hasSuffix(".zip") { name += ".zip" }
        return String(name.prefix(200))
    }
}
