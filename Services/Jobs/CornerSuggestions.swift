import ImageSwissProtos
import RPC
import ServiceRuntime

/// The corners of a photographed print in one of the caller's pictures, for the perspective step:
/// the picture read from Storage as its owner (another's is NOT_FOUND), ImageOps looks.
struct CornerSuggestions: Sendable {
    let storage: StorageAccess
    let imageOps: RPCClient

    func suggest(_ caller: RPCCaller, fileID: String) async throws -> ImageOpsPrintCorners {
        let (blob, data) = try await self.storage.read(fileID, owner: caller.id)
        guard blob.contentType.hasPrefix("image/") else {
            throw failure.error(
                .invalidArgument, "input_not_image", "\(fileID.prefix(64)) is not a picture", field: "file_id")
        }
        var request = ImageOpsInspectRequest()
        request.image = data
        return try await self.imageOps.unary(
            ImageOpsMethods.suggestCorners, request, options: .init(timeout: .seconds(30)))
    }
}
