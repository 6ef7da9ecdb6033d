/// The naming rule S3 (virtual-hosted buckets) and Azure (containers) share: 3 to 63
/// lower-case letters, digits and hyphens, neither starting nor ending with a hyphen.
enum LowerCaseLabel {
    static func isValid(_ name: String) -> Bool {
        (3...63).contains(name.utf8.count)
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }
            && name.first != "-" && name.last != "-"
    }
}
