import Foundation

#if canImport(Glibc)
/// glibc's mallopt(3); Swift's Glibc module does not export <malloc.h>.
@_silgen_name("mallopt") private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
/// M_ARENA_MAX from <malloc.h>.
private let M_ARENA_MAX: Int32 = -8
#endif

/// glibc's allocator gives each thread that allocates concurrently its own arena (up to 8 per
/// core), and libvips' worker threads leave every arena holding freed pages: resident memory
/// creeps up and stays there. Two arenas keep it flat under load at no measurable cost
/// (docs/performance.md, "ImageOps memory": 119 MiB flat against 182→202 MiB with glibc's default).
/// IMAGEOPS_MALLOC_ARENA_MAX (default 2; 0 keeps glibc's default) is applied before any worker
/// thread starts. MALLOC_ARENA_MAX in the environment, read by glibc itself, still wins.
enum MallocArenas {
    static func limit() {
        #if canImport(Glibc)
        guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil else { return }
        let arenas = ProcessInfo.processInfo.environment["IMAGEOPS_MALLOC_ARENA_MAX"].flatMap(Int32.init) ?? 2
        if arenas > 0 { _ = mallopt(M_ARENA_MAX, arenas) }
        #endif
    }
}
