import Foundation
import ImageSwissProtos
import Operations
import Postgres
import RPC
import ServiceRuntime

/// Transformation links: signing one for an owner's file, and resolving a request's link to the
/// source, the canonical transformation and — when it was computed before — the derivative.
extension BlobStore {
    /// Every refusal of a link is the same: an unknown file, another owner's, a bad signature.
    static var invalidLink: RPCError {
        failure.error(.permissionDenied, "invalid_signature", "this transformation link is not valid")
    }

    func resolveTransform(_ request: StorageResolveTransformRequest) async throws -> StorageResolvedTransform {
        guard let id = UUID(text: request.fileID),
            let row = try await self.database.query(StorageStatements.transformSource, [id]).first
        else { throw Self.invalidLink }
        let source = try BlobRecord(row)
        let secrets = (try row.decodeIfPresent("secrets", as: String.self) ?? "").split(separator: " ").map(String.init)
        guard TransformSignature.verify(request.signature, path: request.signedPath, secrets: secrets) else {
            throw Self.invalidLink
        }
        let options = try await self.transformOptions(
            request.options.map { Substring($0) }, extension: request.extension, owner: source.ownerID,
            maxSide: request.maxSide)
        let format = options.outputFormat(accept: request.accept, sourceContentType: source.contentType)
        var resolved = StorageResolvedTransform()
        resolved.ownerID = source.ownerID
        resolved.source = source.message
        resolved.transform = options.canonical(format: format)
        resolved.varyAccept = options.format == "auto"
        if let row = try await self.database.query(StorageStatements.derivative, [id, resolved.transform]).first {
            let derivative = try BlobRecord(row)
            resolved.derivative = derivative.message
            if derivative.byteSize <= Int64(self.configuration.readChunkBytes) {
                let bytes = try await self.mapped {
                    try await self.backend.read(derivative.sha256, offset: 0, length: Int(derivative.byteSize))
                }
                resolved.data = Data(bytes)
            }
        }
        return resolved
    }

    /// A link for the caller's file, signed with the caller's newest key (made when there is none).
    func signTransform(_ caller: RPCCaller, _ request: StorageSignTransformRequest) async throws
        -> StorageSignedTransform
    {
        let source = try await self.blob(try failure.parseID(request.fileID, "blob"), owner: caller.id)
        guard source.derivedFrom == nil else { throw failure.notFound("blob") }
        let segments = request.options.split(separator: "/")
        guard request.options.utf8.count <= 512, !segments.isEmpty else {
            throw failure.invalid("options", "1 to 512 bytes of options")
        }
        _ = try await self.transformOptions(
            segments, extension: request.extension, owner: caller.id, maxSide: request.maxSide)
        var key = try await self.newestTransformKey(of: caller.id)
        if key == nil {
            var create = StorageCreateTransformKeyRequest()
            create.idempotencyKey = "first-key"
            key = try await self.createTransformKey(caller, create)
        }
        let path =
            "/\(segments.joined(separator: "/"))/\(source.id.lowercasedText)"
            + (request.extension.isEmpty ? "" : ".\(request.extension)")
        var signed = StorageSignedTransform()
        signed.path = "/t/\(TransformSignature.sign(path, secret: key!.secret))\(path)"
        signed.keyID = key!.keyID
        return signed
    }

    /// A link's options with the owner's presets expanded, at most `maxSide` (0: the default) a side;
    /// a problem is INVALID_ARGUMENT naming it.
    private func transformOptions(_ segments: [Substring], extension ext: String, owner: String, maxSide: UInt32)
        async throws -> TransformOptions
    {
        let maxSide = maxSide == 0 ? TransformOptions.defaultMaxSide : Int(maxSide)
        do {
            let parsed = try TransformOptions.parse(
                segments, extension: ext.isEmpty ? nil : Substring(ext), maxSide: maxSide)
            return try parsed.expanded(
                with: try await self.transformPresets(parsed.presets, owner: owner, maxSide: maxSide))
        } catch let problem as TransformProblem {
            throw failure.error(.invalidArgument, "invalid_options", problem.description, field: "options")
        }
    }
}
