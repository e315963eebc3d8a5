import Hummingbird
import ImageSwissProtos
import RPC

/// GET /api/v1/files/{id}/corners: where a photographed print's corners probably are in one of the
/// caller's pictures, as the perspective step's own parameters (top_left_x …), ready to submit or
/// to place the web app's handles. `found: false` when no print stands out from its background.
struct CornerRoutes {
    let jobs: RPCClient

    func add(to router: Router<EdgeRequestContext>) {
        router.requiring(.scope("files:read")).get("api/v1/files/:id/corners", use: self.suggest)
    }

    @Sendable func suggest(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = JobsSuggestCornersRequest()
        call.fileID = try context.parameters.require("id")
        let corners = try await self.jobs.unary(
            JobsMethods.suggestCorners, call, options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(CornersJSON(corners), request: request, context: context)
    }
}

struct CornersJSON: Encodable {
    let found: Bool
    /// The perspective step's parameters, fractions of the width and height.
    let parameters: [String: Double]?

    init(_ corners: ImageOpsPrintCorners) {
        self.found = corners.found && corners.corners.count == 4
        guard self.found else {
            self.parameters = nil
            return
        }
        var parameters: [String: Double] = [:]
        for (name, point) in zip(["top_left", "top_right", "bottom_right", "bottom_left"], corners.corners) {
            parameters["\(name)_x"] = (point.x * 1000).rounded() / 1000
            parameters["\(name)_y"] = (point.y * 1000).rounded() / 1000
        }
        self.parameters = parameters
    }
}
