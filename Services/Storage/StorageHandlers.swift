import ImageSwissProtos
import Operations
import RPC
import ServiceRuntime

/// Storage's RPC handlers: each reads the caller from the metadata and hands over to the BlobStore.
struct StorageHandlers: Sendable {
    let store: BlobStore
    let signer: DownloadSigner

    func register(in router: inout RPCRouter) {
        router.register(StorageMethods.beginUpload) { request, context in
            try await self.store.begin(try RPCCaller(context.metadata), request)
        }
        router.register(StorageMethods.appendChunk) { request, context in
            try await self.store.append(try RPCCaller(context.metadata), request)
        }
        router.register(StorageMethods.getUpload) { request, context in
            try await self.store.status(
                try RPCCaller(context.metadata), try failure.parseID(request.uploadID, "upload"))
        }
        router.register(StorageMethods.commitUpload) { request, context in
            try await self.store.commit(try RPCCaller(context.metadata), request.uploadID)
        }
        router.register(StorageMethods.putBlob) { request, context in
            try await self.store.put(try RPCCaller(context.metadata), request)
        }
        router.register(StorageMethods.abortUpload) { request, context in
            try await self.store.abort(try RPCCaller(context.metadata), request.uploadID)
            return StorageAbortUploadResponse()
        }
        router.register(StorageMethods.getBlob) { request, context in
            let caller = request.hasSigned ? nil : try RPCCaller(context.metadata)
            return try await self.store.readable(
                caller, blobID: request.blobID, signed: request.hasSigned ? request.signed : nil, signer: self.signer
            ).message
        }
        router.register(StorageMethods.shareBlob) { request, context in
            try await self.store.share(try RPCCaller(context.metadata), request)
        }
        router.register(StorageMethods.getBlobs) { request, context in
            try await self.store.blobs(try RPCCaller(context.metadata), request)
        }
        router.register(StorageMethods.listBlobs) { request, context in
            try await self.store.list(try RPCCaller(context.metadata), request)
        }
        router.register(StorageMethods.deleteBlob) { request, context in
            try await self.store.delete(try RPCCaller(context.metadata), request.blobID)
            return StorageDeleteBlobResponse()
        }
        router.register(
            StorageMethods.readBlob,
            streaming: { request, context, writer in
                let caller = request.hasSigned ? nil : try RPCCaller(context.metadata)
                let record = try await self.store.readable(
                    caller, blobID: request.blobID, signed: request.hasSigned ? request.signed : nil,
                    signer: self.signer)
                try await self.store.read(record, offset: request.offset, length: request.length) {
                    try await writer.send($0)
                }
            })
        router.register(StorageMethods.signDownload) { request, context in
            try await self.store.signDownload(try RPCCaller(context.metadata), request, signer: self.signer)
        }
        router.register(
            StorageMethods.zip,
            streaming: { request, context, writer in
                try await self.store.zip(try RPCCaller(context.metadata), request) { try await writer.send($0) }
            })
        router.register(StorageMethods.setExpiry) { request, context in
            try await self.store.setExpiry(try RPCCaller(context.metadata), request)
        }
        router.register(StorageMethods.getUsage) { _, context in
            try await self.store.usage(try RPCCaller(context.metadata))
        }
        router.register(StorageMethods.purgeOwner) { _, context in
            var response = StoragePurgeOwnerResponse()
            response.deletedBlobs = UInt64(try await self.store.purge(owner: try RPCCaller(context.metadata).id))
            return response
        }
        self.registerTransformations(in: &router)
    }

    /// URL transformations: ResolveTransform has no caller (the link's signature stands for the
    /// owner); the rest are the owner's.
    private func registerTransformations(in router: inout RPCRouter) {
        router.register(StorageMethods.resolveTransform) { request, _ in
            try await self.store.resolveTransform(request)
        }
        router.register(StorageMethods.signTransform) { request, context in
            try await self.store.signTransform(try RPCCaller(context.metadata), request)
        }
        router.register(StorageMethods.createTransformKey) { request, context in
            try await self.store.createTransformKey(try RPCCaller(context.metadata), request)
        }
        router.register(StorageMethods.listTransformKeys) { _, context in
            try await self.store.listTransformKeys(try RPCCaller(context.metadata))
        }
        router.register(StorageMethods.deleteTransformKey) { request, context in
            try await self.store.deleteTransformKey(try RPCCaller(context.metadata), request.keyID)
            return StorageDeleteTransformKeyResponse()
        }
        router.register(StorageMethods.putTransformPreset) { request, context in
            try await self.store.putTransformPreset(
                try RPCCaller(context.metadata), request, maxSide: TransformOptions.defaultMaxSide)
        }
        router.register(StorageMethods.listTransformPresets) { _, context in
            try await self.store.listTransformPresets(try RPCCaller(context.metadata))
        }
        router.register(StorageMethods.deleteTransformPreset) { request, context in
            try await self.store.deleteTransformPreset(try RPCCaller(context.metadata), request.name)
            return StorageDeleteTransformPresetResponse()
        }
    }
}
