#if canImport(Glibc)
import Glibc
#endif

/// The moved-aside copies of a damaged state file (`<path>.damaged-<n>`): named so the
/// newest sorts last even when the clock went back, and bounded in number, so a state
/// folder that is damaged at every start does not fill the disk.
struct DamagedCopies {
    let path: String
    private let folder: String
    private let prefix: String

    init(of path: String) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        folder = slash.map { String(path[..<$0]) } ?? "."
        prefix = (slash.map { String(path[path.index(after: $0)...]) } ?? path) + ".damaged-"
    }

    /// The numbers of the copies there are, oldest first.
    func numbers() -> [Int] {
        guard let directory = opendir(folder.isEmpty ? "/" : folder) else { return [] }
        defer { closedir(directory) }
        var found: [Int] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix(prefix), let number = Int(name.dropFirst(prefix.count)) { found.append(number) }
        }
        return found.sorted()
    }

    func name(_ number: Int) -> String { "\(path).damaged-\(number)" }

    /// The name for a new copy: the time in seconds, or one past the newest copy.
    func nextName(now: Double) -> String {
        let time = now.isFinite ? Int(max(0, min(now, 1e15))) : 0
        return name(max(time, (numbers().last ?? -1) + 1))
    }

    /// Removes all but the newest `count` copies; returns the names removed.
    func prune(keeping count: Int) -> [String] {
        let all = numbers()
        return all.dropLast(count).compactMap { number in
            unlink(name(number)) == 0 ? name(number) : nil
        }
    }
}
