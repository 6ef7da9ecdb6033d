import Synchronization

/// What the uplink may carry right now, shared by the transfer engine (which holds every
/// body to it) and the feature (which reports it): the rate of the bandwidth timetable in
/// force and what is left of the data budget. The decisions are the pure values'
/// (`BandwidthTimetable`, `DataBudget`); this only keeps them current under a lock.
public final class LinkAllowance: Sendable {
    /// Why sending is held, and until when (seconds since the epoch; nil: until the
    /// timetable's next change, which `until` then names when there is one).
    public struct Hold: Sendable, Equatable {
        public var until: Double?
        public var reason: String
    }

    public let timetable: BandwidthTimetable
    private let clock: WallClock
    private let secondOfDay: @Sendable (Double) -> Int
    private let state: Mutex<State>
    /// Told the budget after it changed, at most once a second and at once when it runs
    /// out, so a restart finds about what was spent (`DataBudgetStore`).
    private let budgetChanged: @Sendable (DataBudget) -> Void

    struct State {
        var budget: DataBudget?
        var rate: BandwidthTimetable.Rate = .unlimited
        /// The rate above holds until this wall time; then the timetable is read again.
        var rateValidUntil = -Double.infinity
        var nextChangeAt: Double?
        var lastTold = -Double.infinity
    }

    public init(timetable: BandwidthTimetable, budget: DataBudget?, clock: @escaping WallClock = systemWallClock,
                secondOfDay: @escaping @Sendable (Double) -> Int = LocalTime.secondOfDay,
                budgetChanged: @escaping @Sendable (DataBudget) -> Void = { _ in }) {
        self.timetable = timetable
        self.clock = clock
        self.secondOfDay = secondOfDay
        self.budgetChanged = budgetChanged
        state = Mutex(State(budget: budget))
    }

    /// True when nothing is limited: the engine then does no accounting at all.
    public var isUnlimited: Bool { timetable == .unlimited && state.withLock { $0.budget == nil } }

    /// The timetable's rate in force now.
    public func rate() -> BandwidthTimetable.Rate {
        let now = clock()
        return state.withLock { state in currentRate(&state, now: now) }
    }

    /// Bytes the data budget still allows in this period (`Int64.max` without one).
    public func budgetRemaining() -> Int64 {
        let now = clock()
        return state.withLock { $0.budget?.remaining(at: now) ?? .max }
    }

    /// The rate in force and what the budget still allows, from one reading of the clock
    /// under one lock: the transfer engine asks for both on every body read.
    public func limits() -> (rate: BandwidthTimetable.Rate, budgetRemaining: Int64) {
        let now = clock()
        return state.withLock { state in (currentRate(&state, now: now), state.budget?.remaining(at: now) ?? .max) }
    }

    /// Counts `bytes` of body sent against the budget.
    public func spend(_ bytes: Int) {
        guard bytes > 0 else { return }
        let now = clock()
        let told: DataBudget? = state.withLock { state in
            guard var budget = state.budget else { return nil }
            budget.spend(Int64(bytes), at: now)
            state.budget = budget
            let justSpent = budget.heldUntil(at: now) != nil && budget.spent - Int64(bytes) < budget.limit
            guard now - state.lastTold >= 1 || justSpent
            else { return nil }
            state.lastTold = now
            return budget
        }
        if let told { budgetChanged(told) }
    }

    /// The budget as it stands (for saving at a stop and for the status file).
    public var budget: DataBudget? {
        let now = clock()
        return state.withLock { state in
            state.budget?.advance(to: now)
            return state.budget
        }
    }

    /// Why nothing may be sent now, or nil: the data budget is spent, or the timetable pauses.
    public func hold() -> Hold? {
        let now = clock()
        return state.withLock { state in
            if let budget = state.budget, let until = budget.heldUntil(at: now) {
                return Hold(until: until, reason: "the data budget of \(budget.limit) bytes per \(GoDuration.format(budget.period)) is spent")
            }
            guard currentRate(&state, now: now) == .paused else { return nil }
            return Hold(until: state.nextChangeAt, reason: "the bandwidth timetable pauses uploads")
        }
    }

    /// The rate in force and when it changes next (wall time), for the status file.
    public func schedule() -> (rate: BandwidthTimetable.Rate, nextChangeAt: Double?) {
        let now = clock()
        return state.withLock { state in (currentRate(&state, now: now), state.nextChangeAt) }
    }

    private func currentRate(_ state: inout State, now: Double) -> BandwidthTimetable.Rate {
        guard now >= state.rateValidUntil || now < state.rateValidUntil - 60 else { return state.rate }
        let second = secondOfDay(now)
        state.rate = timetable.rate(atSecondOfDay: second)
        let untilChange = timetable.secondsUntilNextChange(fromSecondOfDay: second).map(Double.init)
        state.nextChangeAt = untilChange.map { (now - now.truncatingRemainder(dividingBy: 1)) + $0 }
        // Read again at the boundary, and at least once a minute (the clock or the time zone may change).
        state.rateValidUntil = min(state.nextChangeAt ?? .infinity, now + 60)
        return state.rate
    }
}
