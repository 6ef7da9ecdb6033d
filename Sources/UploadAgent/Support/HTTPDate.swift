/// The HTTP `Date` header (RFC 9110 IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`) as
/// seconds since the epoch: the server's clock, which corrects a gateway's wrong one.
/// Parsed strictly (it comes from the network); nil for anything else.
public enum HTTPDate {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    public static func parse(_ text: String) -> Double? {
        // "Sun," "06" "Nov" "1994" "08:49:37" "GMT"
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 6, fields[0].hasSuffix(","), fields[5] == "GMT",
              let monthIndex = months.firstIndex(of: String(fields[2])),
              fields[1].count == 2, fields[3].count == 4, fields[4].count == 8 else { return nil }
        let month = monthIndex + 1
        let iso = "\(fields[3])-\(month < 10 ? "0" : "")\(month)-\(fields[1])T\(fields[4])Z"
        return RFC3339.parse(iso)
    }
}
