/// First-in, first-out within each priority, higher priorities first: the files that wait
/// for an upload slot, where an urgent trigger's files pass a periodic upload's. Few
/// distinct priorities exist at once, so a lane per priority keeps push and pop O(1).
struct PriorityQueue<Element>: Sendable where Element: Sendable {
    private var lanes: [Int: FIFOQueue<Element>] = [:]
    /// The priorities with waiting items, highest first.
    private var priorities: [Int] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func push(_ item: Element, priority: Int = 0) {
        if lanes[priority] == nil {
            lanes[priority] = FIFOQueue()
            priorities.insert(priority, at: priorities.firstIndex { $0 < priority } ?? priorities.endIndex)
        }
        lanes[priority]!.push(item)
        count += 1
    }

    /// The item `popFirst` would take, left in place.
    var first: Element? { priorities.first.flatMap { lanes[$0]?.first } }

    mutating func popFirst() -> Element? {
        guard let highest = priorities.first, let item = lanes[highest]?.popFirst() else { return nil }
        if lanes[highest]?.isEmpty ?? true {
            lanes[highest] = nil
            priorities.removeFirst()
        }
        count -= 1
        return item
    }

    /// The waiting items in the order they would be popped.
    var elements: [Element] { priorities.flatMap { Array(lanes[$0]?.elements ?? []) } }
}
