import RPC

/// The calls of imageswiss.imageops.v1.ImageOps. Both are pure functions of their input: idempotent.
public enum ImageOpsMethods {
    public static let process = RPCMethod<ImageOpsProcessRequest, ImageOpsProcessResponse>(
        "\(ServiceNames.imageOps)/Process", idempotent: true)
    public static let inspect = RPCMethod<ImageOpsInspectRequest, ImageOpsImageInfo>(
        "\(ServiceNames.imageOps)/Inspect", idempotent: true)
}

extension ImageOpsMethods {
    public static let hash = RPCMethod<ImageOpsInspectRequest, ImageOpsImageHash>(
        "\(ServiceNames.imageOps)/Hash", idempotent: true)
    public static let groupDuplicates = RPCMethod<ImageOpsGroupDuplicatesRequest, ImageOpsGroupDuplicatesResponse>(
        "\(ServiceNames.imageOps)/GroupDuplicates", idempotent: true
    )
}

extension ImageOpsMethods {
    public static let ocr = RPCMethod<ImageOpsOcrRequest, ImageOpsOcrResult>(
        "\(ServiceNames.imageOps)/Ocr", idempotent: true)
    public static let suggestCorners = RPCMethod<ImageOpsInspectRequest, ImageOpsPrintCorners>(
        "\(ServiceNames.imageOps)/SuggestCorners", idempotent: true)
}
