import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// /d/{id}?exp=…&disp=…&sig=…: signed download links. No credentials: the signature (checked by
/// Storage, which alone holds the key) stands for the owner until the link expires.
struct DownloadRoutes {
    let storage: RPCClient

    /// The raster types a browser may show inline; anything else is always an attachment.
    static let inlineTypes: Set<String> = ["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"]

    static func path(for access: StorageSignedAccess) -> String {
        "/d/\(access.blobID)?exp=\(access.expiresUnix)&disp=\(access.disposition == "inline" ? "i" : "a")&sig=\(access.signature)"
    }

    func add(to router: Router<EdgeRequestContext>) {
        for method in [HTTPRequest.Method.get, .head] {
            router.on("d/:id", method: method) { request, context -> Response in
                let query = request.uri.queryParameters
                guard let expires = query["exp"].flatMap({ Int64($0) }), let signature = query["sig"],
                    let disp = query["disp"], disp == "a" || disp == "i"
                else {
                    throw EdgeError(.forbidden, "invalid_signature", "this download link is not valid")
                }
                var access = StorageSignedAccess()
                access.blobID = try context.parameters.require("id")
                access.expiresUnix = expires
                access.disposition = disp == "i" ? "inline" : "attachment"
                access.signature = String(signature)
                var call = StorageBlobRequest()
                call.blobID = access.blobID
                call.signed = access
                let options = EdgeCalls.options(context)
                let blob = try await self.storage.unary(StorageMethods.getBlob, call, options: options)
                return try await BlobResponse(storage: self.storage).respond(
                    request, blob: blob, disposition: access.disposition,
                    options: options, signed: access)
            }
        }
    }
}
