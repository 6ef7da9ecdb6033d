/// A first-in, first-out queue with O(1) push and pop (amortised), for the files that
/// wait their turn: an array that is only compacted once half of it has been consumed.
struct FIFOQueue<Element>: Sendable where Element: Sendable {
    private var items: [Element] = []
    private var head = 0

    var count: Int { items.count - head }
    var isEmpty: Bool { count == 0 }

    mutating func push(_ item: Element) { items.append(item) }

    /// The waiting items, oldest first.
    var elements: ArraySlice<Element> { items[head...] }

    /// The oldest item, left in place.
    var first: Element? { head < items.count ? items[head] : nil }

    mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return item
    }
}
