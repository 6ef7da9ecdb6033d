#if canImport(Glibc)
import Glibc
#endif

/// A plain OS thread for blocking loops (libcurl's multi poll, libmosquitto's network
/// loop), which must never run on Swift's cooperative pool.
struct DedicatedThread: @unchecked Sendable {
    private var thread = pthread_t()

    /// Starts `body` on a new thread.
    init(_ body: @escaping @Sendable () -> Void) {
        final class Box { let body: @Sendable () -> Void; init(_ body: @escaping @Sendable () -> Void) { self.body = body } }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        pthread_create(&thread, nil, { context in
            Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, context)
    }

    /// Waits for the thread's body to return.
    func join() { pthread_join(thread, nil) }

    /// Lets the thread end on its own (nobody joins it): its resources go when it returns.
    func detach() { pthread_detach(thread) }
}
