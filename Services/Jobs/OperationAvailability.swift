import ImageSwissProtos
import Operations

extension JobsService {
    /// Every catalogue operation and whether a submission naming it would run here now: the local
    /// ones always, an AI one only while an enabled model of a reachable provider serves it (the
    /// test Tool applies), with those models, the default first.
    func operations() async throws -> JobsListOperationsResponse {
        let snapshot = try await self.submissions.catalogue.snapshot()
        var response = JobsListOperationsResponse()
        response.operations = OperationCatalog.all.map { spec in
            var availability = JobsOperationAvailability()
            availability.operation = spec.name
            let models = spec.needsProvider ? snapshot.models(for: spec.name) : []
            availability.available =
                !spec.needsProvider || !models.isEmpty || Tool.runsClassic(spec, [:], catalogue: snapshot)
            availability.reason = availability.available ? "" : "provider_not_configured"
            availability.models = models.map { model in
                var option = JobsModelOption()
                option.id = model.id
                option.label = model.label
                option.isDefault = model.isDefault
                option.priceCredits = model.priceCredits
                return option
            }
            return availability
        }
        return response
    }
}
