import Synchronization

/// Holds the newest of a stream of values reported from other threads. Whoever reads it
/// gets the newest, so hops to an actor that may run out of order still end on the last
/// value reported.
final class LatestValue<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ initial: Value) { value = Mutex(initial) }

    var current: Value { value.withLock { $0 } }

    func set(_ newValue: Value) { value.withLock { $0 = newValue } }
}
