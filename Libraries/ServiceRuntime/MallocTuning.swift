import Foundation

#if canImport(Glibc)
    /// glibc's mallopt(3); Swift's Glibc module does not export <malloc.h>.
    @_silgen_name("mallopt") private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
    /// From <malloc.h>: M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX.
    private let mallocTrimThreshold: Int32 = -1
    private let mallocMmapThreshold: Int32 = -3
    private let mallocArenaMax: Int32 = -8
#endif

/// glibc allocator settings, applied when a service starts, before its threads do.
///
/// - `<NAME>_MALLOC_ARENA_MAX` (ServiceEntry.defaultMallocArenas; 0 keeps glibc's 8 per core):
///   libvips' worker threads leave every arena holding freed pages, so ImageOps keeps two — resident
///   memory stays flat under load at no measurable cost (docs/performance.md, "ImageOps memory").
/// - `<NAME>_MALLOC_MMAP_THRESHOLD` (default 32 MiB, glibc's ceiling; 0 keeps glibc's dynamic
///   threshold): images travel through the services as 1–2 MB buffers, and above the threshold
///   each one is a fresh mmap whose pages the kernel faults in and zeroes, then an munmap — in Jobs
///   and Storage 15–25 % of their CPU per resize job (docs/performance.md, Jobs). Below it, freed
///   buffers are reused from the heap; `M_TRIM_THRESHOLD` (twice the threshold) bounds what an idle
///   heap keeps.
public enum MallocTuning {
    public static func apply(_ configuration: ServiceConfiguration, defaultArenas: Int) throws {
        let arenas = try configuration.int("MALLOC_ARENA_MAX", default: defaultArenas)
        let threshold = try configuration.int("MALLOC_MMAP_THRESHOLD", default: 32 << 20)
        guard arenas >= 0, threshold >= 0, threshold <= 32 << 20 else {
            throw ConfigurationError("MALLOC_ARENA_MAX must be 0 or more, MALLOC_MMAP_THRESHOLD 0 to 33554432")
        }
        #if canImport(Glibc)
            if arenas > 0 { _ = mallopt(mallocArenaMax, Int32(arenas)) }
            if threshold > 0 {
                _ = mallopt(mallocMmapThreshold, Int32(threshold))
                _ = mallopt(mallocTrimThreshold, Int32(threshold * 2))
            }
        #endif
    }
}
