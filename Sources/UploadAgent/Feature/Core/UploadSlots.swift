/// Which started file may take an upload slot, and how many requests may be out. Large
/// files take one of `maxConcurrentUploads` slots, as in Kanto. A small file moves in one
/// round trip, so its time is the storage endpoint's latency, not the link's rate: it may
/// also run beyond those slots, up to `maxConcurrentSmallUploads` in all. Behind a storage
/// endpoint 100 ms away, 4 in flight move 40 small files a second, 64 move 640. On a link
/// with a bandwidth cap or a data budget the rate is the limit, not the round trip: there
/// small files keep to the slots too (more at once would only share the cap thinner).
struct UploadSlots: Sendable, Equatable {
    /// At most one upload buffer: one request, one round trip.
    static let smallFileSize: Int64 = 256 * 1024

    /// Slots for any file (`maxConcurrentUploads`).
    let slots: Int
    /// Files running at most, small ones included (never below `slots`).
    let total: Int

    init(maxConcurrentUploads: Int, maxConcurrentSmallUploads: Int, limitedLink: Bool = false) {
        slots = max(1, maxConcurrentUploads)
        total = limitedLink ? slots : max(slots, maxConcurrentSmallUploads)
    }

    /// Whether a file of `size` bytes may start while `running` files run: a large one
    /// only while fewer than `slots` run, so large files never take more.
    func admits(size: Int64, running: Int) -> Bool {
        size <= Self.smallFileSize ? running < total : running < slots
    }

    /// The files that may be in flight (requested, waiting for a slot or running): the
    /// slots in use and the request window ahead of them. Files running beyond `slots`
    /// are small ones and widen it by as many, so the requests keep up with them; while
    /// only large files run, it stays `slots + window`.
    func inFlightLimit(window: Int, running: Int) -> Int {
        max(slots, min(running, total)) + window
    }
}
