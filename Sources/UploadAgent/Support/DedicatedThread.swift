#if canImport(Glibc)
import Glibc
#endif

/// A plain OS thread for blocking loops (libcurl's multi poll, libmosquitto's network
/// loop), which must never run on Swift's cooperative pool.
struct DedicatedThread: @unchecked Sendable {
    private var thread = pthread_t()

    /// Starts `body` on a new thread named `name` (what `top -H`, `perf` and a core dump
    /// show; at most 15 bytes, or the thread keeps its parent's name).
    init(name: String, _ body: @escaping @Sendable () -> Void) {
        final class Box { let body: @Sendable () -> Void; init(_ body: @escaping @Sendable () -> Void) { self.body = body } }
        let body: @Sendable () -> Void = {
            Self.nameCurrentThread(name)
            body()
        }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        pthread_create(&thread, nil, { context in
            Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, context)
    }

    /// The calling thread's name (its `comm`), written where Linux keeps it: glibc's
    /// `pthread_setname_np` is not visible to Swift.
    private static func nameCurrentThread(_ name: String) {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = name.withCString { write(descriptor, $0, strlen($0)) }
        close(descriptor)
    }

    /// Waits for the thread's body to return.
    func join() { pthread_join(thread, nil) }

    /// Lets the thread end on its own (nobody joins it): its resources go when it returns.
    func detach() { pthread_detach(thread) }
}
