import Foundation

/// Trains a personal model (a LoRA) at a provider: the user's photos go as one zip, the provider
/// answers a training id we poll; once it succeeded, `Trained` says how to generate with it.
protocol ModelTrainer: Sendable {
    var name: String { get }
    /// Starts a training and answers the provider's id for it.
    func start(_ request: TrainingRequest) async throws -> String
    func poll(_ id: String) async throws -> TrainingState
    func cancel(_ id: String) async
}

struct TrainingRequest: Sendable {
    /// The trainer model's reference: the base model to fine-tune (Together) or the trainer's
    /// version (Replicate, "owner/name:version").
    let reference: String
    /// The trainer model's fixed parameters (Replicate's `destination`, epochs, steps …).
    let parameters: [String: String]
    let photosZip: Data
    let triggerWord: String
    /// Names the training at the provider (the job id), so an operator can find it there.
    let suffix: String
}

enum TrainingState: Sendable {
    case running(percent: Int)
    case succeeded(Trained)
    case failed(String)
    case canceled
}

/// How to generate with a trained model: the provider's model or version to call and the
/// parameters that load the weights (Together's `lora`).
struct Trained: Sendable {
    let reference: String
    let parameters: [String: String]
    let costMicros: Int64?
}
