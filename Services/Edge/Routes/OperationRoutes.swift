import Hummingbird
import ImageSwissProtos
import Operations
import RPC

/// GET /api/v1/operations: the operation catalogue (Libraries/Operations) with what each takes, and
/// whether it can run here now, as Jobs says. Public: the landing page lists the tools too.
struct OperationRoutes {
    let jobs: RPCClient

    func add(to router: Router<EdgeRequestContext>) {
        router.get("api/v1/operations", use: self.list)
    }

    @Sendable func list(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let answer = try await self.jobs.unary(
            JobsMethods.listOperations, JobsListOperationsRequest(), options: EdgeCalls.options(context))
        let availability = Dictionary(
            answer.operations.map { ($0.operation, $0) }, uniquingKeysWith: { first, _ in first })
        let items = OperationCatalog.all.filter(\.listed).map { spec in
            OperationJSON(spec, availability: availability[spec.name])
        }
        return try JSONAnswer.response(Page(items: items, nextPageToken: nil), request: request, context: context)
    }
}
