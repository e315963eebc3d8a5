import RPC

/// The calls of imageswiss.imageops.v1.ImageOps. Both are pure functions of their input: idempotent.
public enum ImageOpsMethods {
    public static let process = RPCMethod<ImageOpsProcessRequest, ImageOpsProcessResponse>("\(ServiceNames.imageOps)/Process", idempotent: true)
    public static let inspect = RPCMethod<ImageOpsInspectRequest, ImageOpsImageInfo>("\(ServiceNames.imageOps)/Inspect", idempotent: true)
}
