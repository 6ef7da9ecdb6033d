/// Byte sizes and rates as people write them in configs: "2MB", "512KiB", "1.5M", "100"
/// (bytes). Decimal units are powers of 1000, binary (`KiB`, `MiB`) powers of 1024.
public enum ByteRate {
    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: " ").replacingSuffix("/s", with: "")
        let number = trimmed.prefix { $0.isNumber || $0 == "." }
        let unit = trimmed.dropFirst(number.count).trimmingCharacters(in: " ").lowercased()
        guard let value = Double(number), value >= 0 else { return nil }
        let multipliers: [String: Double] = [
            "": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9,
            "kib": 1024, "mib": 1_048_576, "gib": 1_073_741_824,
        ]
        guard let multiplier = multipliers[unit], value.isFinite, value * multiplier < 9e18 else { return nil }
        return Int64(value * multiplier)
    }
}

extension String {
    func replacingSuffix(_ suffix: String, with replacement: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + replacement : self
    }
}
