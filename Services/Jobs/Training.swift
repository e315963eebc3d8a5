import Foundation
import ImageSwissProtos

/// A train_model job's run: the photos go to the trainer as one zip, the training is polled until
/// it ends (its progress becomes the job's), and the personal model becomes ready or failed. The
/// provider's training id is recorded once it started, so a later attempt (a worker died, a poll
/// failed) resumes the same training instead of paying for another.
extension JobRunner {
    func train(
        _ job: ClaimedJob, _ training: Tool.Training, worker: String, isCanceled: @escaping @Sendable () -> Bool
    ) async throws -> JobOutcome {
        let trainer = try await self.call("finding the trainer") {
            try await self.catalogue.snapshot().trainer(training.trainer)
        }
        try await self.personalModels.create(
            id: job.id, owner: job.ownerID, name: training.name, triggerWord: training.triggerWord,
            trainer: training.trainer, photos: job.inputs)
        guard let record = try await self.personalModels.record(job.id, owner: job.ownerID), record.status == "training"
        else { throw JobRunError.permanent("the personal model was deleted") }
        let started = ContinuousClock.now
        let providerJob: String
        if let existing = record.providerJobID {
            providerJob = existing
        } else {
            let photos = try await self.call("reading the training photos") {
                try await self.storage.zip(
                    job.inputs, owner: job.ownerID,
                    limit: self.configuration.trainingMaxPhotoBytes * self.configuration.trainingPhotos.upperBound)
            }
            try await self.queue.progress(job.id, worker: worker, percent: 5, message: "uploading the photos")
            providerJob = try await trainer.start(
                TrainingRequest(
                    reference: training.trainer.reference, parameters: training.trainer.parameters, photosZip: photos,
                    triggerWord: training.triggerWord, suffix: "imageswiss-\(job.id.lowercasedText.prefix(8))"))
            try await self.personalModels.startedTraining(job.id, providerJobID: providerJob)
        }
        let end = ContinuousClock.now + self.configuration.trainingTimeout
        var reported = -1
        while true {
            if isCanceled() {
                await trainer.cancel(providerJob)
                try await self.personalModels.finished(job.id, status: "canceled")
                throw JobRunError.permanent("canceled")
            }
            guard ContinuousClock.now < end else {
                await trainer.cancel(providerJob)
                try await self.personalModels.finished(
                    job.id, status: "failed", error: "no result within \(self.configuration.trainingTimeout)")
                throw JobRunError.permanent(
                    "\(trainer.name): the training took longer than \(self.configuration.trainingTimeout)")
            }
            switch try await trainer.poll(providerJob) {
            case .running(let percent):
                if percent != reported {
                    reported = percent
                    try await self.queue.progress(job.id, worker: worker, percent: percent, message: "training")
                }
                try await Task.sleep(for: self.configuration.providers.pollInterval)
            case .succeeded(let trained):
                let reference =
                    trained.reference.isEmpty
                    ? training.trainer.parameters["inference_model"] ?? TogetherFineTuning.inferenceModel
                    : trained.reference
                try await self.personalModels.finished(
                    job.id, status: "ready", reference: reference, parameters: trained.parameters)
                try? await self.queue.recordProviderRun(
                    job: job, model: training.trainer, succeeded: true,
                    costMicros: trained.costMicros ?? training.trainer.unitCostMicros, elapsed: .now - started)
                return JobOutcome(resultJSON: #"{"personal_model_id":"\#(job.id.lowercasedText)"}"#)
            case .failed(let reason):
                try await self.personalModels.finished(job.id, status: "failed", error: reason)
                throw JobRunError.permanent("\(trainer.name): the training failed: \(reason.prefix(300))")
            case .canceled:
                try await self.personalModels.finished(job.id, status: "canceled")
                throw JobRunError.permanent("\(trainer.name): the training was canceled there")
            }
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
