import RPC

/// The calls of imageswiss.health.v1.Health, which every service serves.
public enum HealthMethods {
    public static let serviceName = "imageswiss.health.v1.Health"
    public static let check = RPCMethod<HealthCheckRequest, HealthCheckResponse>(
        "\(serviceName)/Check", idempotent: true)
    public static let watch = RPCMethod<HealthCheckRequest, HealthCheckResponse>(
        "\(serviceName)/Watch", kind: .serverStreaming, idempotent: true)
}

/// The call of imageswiss.health.v1.Schema, which every service with a database serves.
public enum SchemaMethods {
    public static let serviceName = "imageswiss.health.v1.Schema"
    public static let status = RPCMethod<SchemaStatusRequest, SchemaStatusResponse>(
        "\(serviceName)/Status", idempotent: true)
}
