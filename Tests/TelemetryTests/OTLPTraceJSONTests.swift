import Foundation
import Testing
import Tracing

@testable import Telemetry

/// OTLP's JSON encoding as collectors read it: hex ids, decimal-string times and integers, numeric kinds.
@Suite struct OTLPTraceJSONTests {
    @Test func aSpanIsEncodedAsOTLPSays() throws {
        var attributes = SpanAttributes()
        attributes["imageswiss.job_id"] = "0b6f"
        attributes["http.response.status_code"] = 201
        let span = FinishedSpan(
            name: "/api/v1/batches", traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7",
            parentSpanID: "a3ce929d0e0e4736", kind: .server, startNanoseconds: 1_700_000_000_000_000_001,
            endNanoseconds: 1_700_000_000_500_000_000, attributes: attributes,
            status: SpanStatus(code: .error, message: "unavailable"), events: [])
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(OTLPTraceJSON.encode([span], service: "imageswiss-edge")))
                as? [String: Any])
        let resource = try #require((document["resourceSpans"] as? [[String: Any]])?.first)
        let service = try #require(
            ((resource["resource"] as? [String: Any])?["attributes"] as? [[String: Any]])?.first)
        #expect(service["key"] as? String == "service.name")
        #expect((service["value"] as? [String: Any])?["stringValue"] as? String == "imageswiss-edge")
        let encoded = try #require(
            ((resource["scopeSpans"] as? [[String: Any]])?.first?["spans"] as? [[String: Any]])?.first)
        #expect(encoded["traceId"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(
            encoded["spanId"] as? String == "00f067aa0ba902b7"
                && encoded["parentSpanId"] as? String == "a3ce929d0e0e4736")
        #expect(encoded["kind"] as? Int == 2 && encoded["startTimeUnixNano"] as? String == "1700000000000000001")
        #expect((encoded["status"] as? [String: Any])?["code"] as? Int == 2)
        let values = try #require(encoded["attributes"] as? [[String: Any]])
        let status = try #require(values.first { $0["key"] as? String == "http.response.status_code" })
        #expect((status["value"] as? [String: Any])?["intValue"] as? String == "201")
    }
}
