import ImageSwissProtos
import Operations

extension JobsService {
    /// Every catalogue operation and whether a submission naming it would run here now: the local
    /// ones always, an AI one only while a provider is configured for it (the same test Tool applies).
    func operations() -> JobsListOperationsResponse {
        var response = JobsListOperationsResponse()
        response.operations = OperationCatalog.all.map { spec in
            var availability = JobsOperationAvailability()
            availability.operation = spec.name
            availability.available = !spec.needsProvider || self.submissions.providers.provider(for: spec.name) != nil
            availability.reason = availability.available ? "" : "provider_not_configured"
            return availability
        }
        return response
    }
}
