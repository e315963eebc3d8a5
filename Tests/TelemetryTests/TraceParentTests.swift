import Testing

@testable import Telemetry

/// W3C Trace Context's `traceparent` rules, without a stack: what is read, what is refused (a
/// refused header starts a new trace rather than failing the request), what is written.
@Suite struct TraceParentTests {
    @Test func theSpecificationsExampleIsReadAndWrittenBack() throws {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let parent = try #require(TraceParent(header))
        #expect(parent.traceID == "4bf92f3577b34da6a3ce929d0e0e4736" && parent.spanID == "00f067aa0ba902b7")
        #expect(parent.sampled && parent.header == header)
        #expect(TraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")?.sampled == false)
        // A later version is read by version 00's fields, and anything after them is ignored.
        #expect(TraceParent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next") != nil)
    }

    @Test func malformedHeadersAreRefused() {
        for header in [
            "", "00", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff is invalid
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero parent id
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // uppercase
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  // short trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // version 00 has nothing after
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bg-01",  // not hex
        ] {
            #expect(TraceParent(header) == nil, "\(header)")
        }
    }

    @Test func childrenKeepTheTraceAndRootsStartOne() throws {
        let root = TraceParent.root()
        #expect(TraceParent(root.header) == root)
        let child = root.child()
        #expect(child.traceID == root.traceID && child.spanID != root.spanID && child.spanID.count == 16)
        #expect(TraceParent.root().traceID != root.traceID)
    }

    @Test func theEnvironmentTurnsTracingOnByOpenTelemetrysNames() throws {
        #expect(Telemetry.settings(service: "imageswiss-jobs", environment: [:]) == nil)
        let base = try #require(
            Telemetry.settings(
                service: "imageswiss-jobs",
                environment: [
                    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/", "OTEL_BSP_SCHEDULE_DELAY": "250",
                ]))
        #expect(base.url == "http://collector:4318/v1/traces" && base.service == "imageswiss-jobs")
        #expect(base.delay == .milliseconds(250) && base.maxQueue == 2048 && base.maxBatch == 512)
        let traces = try #require(
            Telemetry.settings(
                service: "imageswiss-jobs",
                environment: [
                    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://a", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b/traces",
                    "OTEL_SERVICE_NAME": "jobs-eu",
                ]))
        #expect(traces.url == "http://b/traces" && traces.service == "jobs-eu" && traces.sampleRatio == 1)
        let sampled = try #require(
            Telemetry.settings(
                service: "x",
                environment: [
                    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://a", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
                    "OTEL_TRACES_SAMPLER_ARG": "0.25",
                ]))
        #expect(sampled.sampleRatio == 0.25)
        #expect(TelemetryTracer.samples(1) && !TelemetryTracer.samples(0))
        let share = (0..<4000).filter { _ in TelemetryTracer.samples(0.25) }.count
        #expect((800...1200).contains(share), "about a quarter: \(share)")
        #expect(
            Telemetry.settings(
                service: "x", environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://a", "OTEL_SDK_DISABLED": "true"])
                == nil)
    }
}
