import RPC

/// The calls of imageswiss.storage.v1.Storage. Reads are idempotent (retried on a lost connection);
/// an append names its offset and a commit of a committed upload returns its blob, so both are safe
/// to repeat and marked idempotent too.
public enum StorageMethods {
    private static func method<Request, Response>(_ name: String, idempotent: Bool = false) -> RPCMethod<
        Request, Response
    > {
        RPCMethod("\(ServiceNames.storage)/\(name)", idempotent: idempotent)
    }

    public static let beginUpload: RPCMethod<StorageBeginUploadRequest, StorageUpload> = method("BeginUpload")
    public static let appendChunk: RPCMethod<StorageAppendChunkRequest, StorageUpload> = method(
        "AppendChunk", idempotent: true)
    public static let getUpload: RPCMethod<StorageUploadRequest, StorageUpload> = method("GetUpload", idempotent: true)
    public static let commitUpload: RPCMethod<StorageUploadRequest, StorageBlob> = method(
        "CommitUpload", idempotent: true)
    /// A file that fits one chunk in one call; with an idempotency key, a retry returns the same blob.
    public static let putBlob: RPCMethod<StoragePutBlobRequest, StorageBlob> = method("PutBlob")
    public static let abortUpload: RPCMethod<StorageUploadRequest, StorageAbortUploadResponse> = method(
        "AbortUpload", idempotent: true)
    public static let getBlob: RPCMethod<StorageBlobRequest, StorageBlob> = method("GetBlob", idempotent: true)
    public static let shareBlob: RPCMethod<StorageShareBlobRequest, StorageBlob> = method("ShareBlob", idempotent: true)
    /// Many blobs' metadata at once; ids that are not the caller's blobs are left out of the answer.
    public static let getBlobs: RPCMethod<StorageGetBlobsRequest, StorageGetBlobsResponse> = method(
        "GetBlobs", idempotent: true)
    public static let listBlobs: RPCMethod<StorageListBlobsRequest, StorageListBlobsResponse> = method(
        "ListBlobs", idempotent: true)
    public static let deleteBlob: RPCMethod<StorageBlobRequest, StorageDeleteBlobResponse> = method("DeleteBlob")
    public static let readBlob: RPCMethod<StorageReadBlobRequest, StorageReadChunk> = RPCMethod(
        "\(ServiceNames.storage)/ReadBlob", kind: .serverStreaming, idempotent: true
    )
    public static let signDownload: RPCMethod<StorageSignDownloadRequest, StorageSignedAccess> = method(
        "SignDownload", idempotent: true)
    public static let zip: RPCMethod<StorageZipRequest, StorageZipChunk> = RPCMethod(
        "\(ServiceNames.storage)/Zip", kind: .serverStreaming, idempotent: true
    )
    public static let setExpiry: RPCMethod<StorageSetExpiryRequest, StorageBlob> = method("SetExpiry", idempotent: true)
    public static let getUsage: RPCMethod<StorageUsageRequest, StorageUsage> = method("GetUsage", idempotent: true)
    public static let purgeOwner: RPCMethod<StoragePurgeOwnerRequest, StoragePurgeOwnerResponse> = method(
        "PurgeOwner", idempotent: true)
    public static let resolveTransform: RPCMethod<StorageResolveTransformRequest, StorageResolvedTransform> = method(
        "ResolveTransform", idempotent: true)
    public static let createTransformKey: RPCMethod<StorageCreateTransformKeyRequest, StorageTransformKey> = method(
        "CreateTransformKey", idempotent: true)
    public static let listTransformKeys: RPCMethod<StorageListTransformKeysRequest, StorageListTransformKeysResponse> =
        method("ListTransformKeys", idempotent: true)
    public static let deleteTransformKey:
        RPCMethod<StorageDeleteTransformKeyRequest, StorageDeleteTransformKeyResponse> = method(
            "DeleteTransformKey", idempotent: true)
    public static let putTransformPreset: RPCMethod<StoragePutTransformPresetRequest, StorageTransformPreset> = method(
        "PutTransformPreset", idempotent: true)
    public static let listTransformPresets:
        RPCMethod<StorageListTransformPresetsRequest, StorageListTransformPresetsResponse> = method(
            "ListTransformPresets", idempotent: true)
    public static let deleteTransformPreset:
        RPCMethod<StorageDeleteTransformPresetRequest, StorageDeleteTransformPresetResponse> = method(
            "DeleteTransformPreset", idempotent: true)
    public static let signTransform: RPCMethod<StorageSignTransformRequest, StorageSignedTransform> = method(
        "SignTransform", idempotent: true)
}
