import ImageSwissProtos
import Operations

extension PipelineStage {
    /// `steps` in the order they run: by the catalogue's stage of each, then by position in the request.
    static func ordered(_ steps: [ImageOpsStep]) -> [ImageOpsStep] {
        steps.enumerated()
            .sorted {
                (OperationCatalog.stage(ofStep: $0.element.operation), $0.offset) < (
                    OperationCatalog.stage(ofStep: $1.element.operation), $1.offset
                )
            }
            .map(\.element)
    }
}
