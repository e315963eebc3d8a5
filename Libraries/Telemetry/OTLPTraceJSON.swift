import Foundation
import Tracing

/// OTLP's JSON encoding of an ExportTraceServiceRequest (opentelemetry-proto, "JSON Protobuf
/// Encoding"): lowerCamelCase field names, trace and span ids as hex, 64-bit integers and
/// nanosecond times as decimal strings, enums as numbers.
enum OTLPTraceJSON {
    static func encode(_ spans: [FinishedSpan], service: String) -> [UInt8] {
        let document: [String: Any] = [
            "resourceSpans": [
                [
                    "resource": ["attributes": [Self.attribute("service.name", .string(service))]],
                    "scopeSpans": [["scope": ["name": "imageswiss"], "spans": spans.map(Self.span)]],
                ]
            ]
        ]
        return Array((try? JSONSerialization.data(withJSONObject: document)) ?? Data())
    }

    static func span(_ span: FinishedSpan) -> [String: Any] {
        var json: [String: Any] = [
            "traceId": span.traceID, "spanId": span.spanID, "name": span.name, "kind": Self.kind(span.kind),
            "startTimeUnixNano": String(span.startNanoseconds), "endTimeUnixNano": String(span.endNanoseconds),
            "attributes": Self.attributes(span.attributes),
        ]
        if let parent = span.parentSpanID { json["parentSpanId"] = parent }
        if !span.events.isEmpty {
            json["events"] = span.events.map { event in
                [
                    "name": event.name, "timeUnixNano": String(event.nanosecondsSinceEpoch),
                    "attributes": Self.attributes(event.attributes),
                ] as [String: Any]
            }
        }
        if let status = span.status {
            var encoded: [String: Any] = ["code": status.code == .ok ? 1 : 2]
            if let message = status.message { encoded["message"] = message }
            json["status"] = encoded
        }
        return json
    }

    /// SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
    static func kind(_ kind: SpanKind) -> Int {
        switch kind {
        case .server: 2
        case .client: 3
        case .producer: 4
        case .consumer: 5
        default: 1
        }
    }

    static func attributes(_ attributes: SpanAttributes) -> [[String: Any]] {
        var list: [[String: Any]] = []
        // SpanAttributes is no Sequence: forEach is its only way through.
        // swift-format-ignore: ReplaceForEachWithForLoop
        attributes.forEach { key, value in list.append(Self.attribute(key, value)) }
        return list
    }

    static func attribute(_ key: String, _ value: SpanAttribute) -> [String: Any] {
        ["key": key, "value": Self.value(value)]
    }

    static func value(_ value: SpanAttribute) -> [String: Any] {
        switch value {
        case .int32(let number): ["intValue": String(number)]
        case .int64(let number): ["intValue": String(number)]
        case .double(let number): ["doubleValue": number]
        case .bool(let flag): ["boolValue": flag]
        case .string(let text): ["stringValue": text]
        case .int32Array(let list): Self.array(list.map { .int32($0) })
        case .int64Array(let list): Self.array(list.map { .int64($0) })
        case .doubleArray(let list): Self.array(list.map { .double($0) })
        case .boolArray(let list): Self.array(list.map { .bool($0) })
        case .stringArray(let list): Self.array(list.map { .string($0) })
        case .stringConvertible(let item): ["stringValue": item.description]
        case .stringConvertibleArray(let list): Self.array(list.map { .string($0.description) })
        default: ["stringValue": ""]
        }
    }

    static func array(_ values: [SpanAttribute]) -> [String: Any] {
        ["arrayValue": ["values": values.map(Self.value)]]
    }
}
