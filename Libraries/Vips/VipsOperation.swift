import CVips

/// A value for an operation argument.
public enum VipsArgument: Sendable {
    case image(VipsImage)
    case images([VipsImage])
    case blob([UInt8])
    /// Any scalar in libvips' text form: integers, doubles, booleans ("true"), enum nicks ("lanczos3").
    case text(String)

    public static func int(_ value: Int) -> VipsArgument { .text(String(value)) }
    public static func double(_ value: Double) -> VipsArgument { .text(String(value)) }
    public static func bool(_ value: Bool) -> VipsArgument { .text(value ? "true" : "false") }
}

/// The outputs of a built operation, read before it is released.
public struct VipsOutputs: ~Copyable {
    let operation: UnsafeMutablePointer<CVips.VipsOperation>

    public func image(_ name: String = "out") throws -> VipsImage {
        guard let image = isw_get_image(self.operation, name) else {
            throw VipsError(.processing, "operation has no image output '\(name)'")
        }
        return VipsImage(owning: image)
    }

    /// Copies a blob output (a saver's encoded bytes).
    public func blob(_ name: String = "buffer") throws -> [UInt8] {
        guard let blob = isw_get_blob(self.operation, name) else {
            throw VipsError(.processing, "operation has no blob output '\(name)'")
        }
        defer { isw_blob_unref(blob) }
        var length = 0
        guard let data = isw_blob_data(blob, &length) else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: length))
    }

    public func double(_ name: String) -> Double { isw_get_double(self.operation, name) }
    public func int(_ name: String) -> Int { Int(isw_get_int(self.operation, name)) }
}

/// Calls any libvips operation by name through the generic operation API:
/// `vips_operation_new` → set GObject properties → `vips_cache_operation_build` → read outputs →
/// `vips_object_unref_outputs` and release. Blocking and CPU-bound: call it from a thread pool.
public enum VipsOperationCall {
    public static func run<Result>(
        _ name: String, _ arguments: [(String, VipsArgument)], outputs: (borrowing VipsOutputs) throws -> Result
    ) throws -> Result {
        try VipsRuntime.initialize()
        guard let operation = isw_op_new(name) else {
            _ = VipsRuntime.takeError()
            throw VipsError(.invalidArgument, "libvips has no operation '\(name)'")
        }
        for (key, value) in arguments {
            guard isw_has_argument(operation, key) == 0 else {
                release(operation)
                _ = VipsRuntime.takeError()
                throw VipsError(.invalidArgument, "\(name) has no argument '\(key)'")
            }
            switch value {
            case .image(let image):
                isw_set_image(operation, key, image.pointer)
            case .images(let images):
                var pointers: [UnsafeMutablePointer<CVips.VipsImage>?] = images.map(\.pointer)
                pointers.withUnsafeMutableBufferPointer {
                    isw_set_image_array(operation, key, $0.baseAddress, Int32($0.count))
                }
                withExtendedLifetime(images) {}
            case .blob(let bytes):
                bytes.withUnsafeBytes { isw_set_blob(operation, key, $0.baseAddress, $0.count) }
            case .text(let text):
                guard isw_set_text(operation, key, text) == 0 else {
                    release(operation)
                    throw VipsError(
                        .invalidArgument, "\(name): bad value '\(text)' for \(key): \(VipsRuntime.takeError())")
                }
            }
        }
        guard let built = isw_build(operation) else {
            let message = VipsRuntime.takeError()
            release(operation)
            throw VipsError(Self.kind(of: message), "\(name) failed: \(message)")
        }
        isw_object_unref(operation)
        defer { release(built) }
        return try outputs(VipsOutputs(operation: built))
    }

    private static func release(_ operation: UnsafeMutablePointer<CVips.VipsOperation>) {
        isw_unref_outputs(operation)
        isw_object_unref(operation)
    }

    private static func kind(of message: String) -> VipsError.Kind {
        message.contains("is blocked") || message.contains("not a known") ? .unsupportedInput : .processing
    }
}
