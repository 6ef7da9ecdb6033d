/// One parser of outside input under libFuzzer. `name` is what `FUZZ_TARGET` selects and the
/// folder of its seeds (`Tests/fuzz/corpus/<name>/`); `run` feeds it one input and checks,
/// with `precondition`, what must hold for every input (a failed check is a crash to
/// libFuzzer, like a trap in the parser itself).
protocol FuzzTarget {
    static var name: String { get }
    static func run(_ input: FuzzInput)
}
