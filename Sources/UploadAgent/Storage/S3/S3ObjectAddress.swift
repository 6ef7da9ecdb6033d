/// Where an object of one bucket lives, as a URL: virtual-hosted style on AWS
/// (`https://<bucket>.s3.<region>.amazonaws.com/<key>`), path style on an S3-compatible
/// endpoint (`<endpoint>/<bucket>/<key>`), and path style on AWS too for bucket names that
/// cannot be a DNS label under the wildcard certificate (dots, upper case).
struct S3ObjectAddress: Sendable, Equatable {
    /// `scheme://host[:port][/prefix]` without a trailing slash.
    var origin: String
    /// "/<bucket>" for path style, "" for virtual-hosted style.
    var bucketPath: String

    init(bucket: String, region: String, endpoint: String?) {
        if let endpoint {
            origin = String(endpoint.reversed().drop(while: { $0 == "/" }).reversed())
            bucketPath = "/" + PercentEncoding.encode(bucket)
        } else if Self.isVirtualHostable(bucket) {
            origin = "https://\(bucket).s3.\(region).amazonaws.com"
            bucketPath = ""
        } else {
            origin = "https://s3.\(region).amazonaws.com"
            bucketPath = "/" + PercentEncoding.encode(bucket)
        }
    }

    /// The URL of `key` with `query` items (a nil value sends the bare name, as in `?uploads`).
    func url(key: String, query: [(name: String, value: String?)] = []) -> String {
        var url = origin + bucketPath + "/" + PercentEncoding.encode(key, keepSlash: true)
        if !query.isEmpty {
            url += "?" + query.map { item in
                PercentEncoding.encode(item.name) + (item.value.map { "=" + PercentEncoding.encode($0) } ?? "")
            }.joined(separator: "&")
        }
        return url
    }

    /// A bucket name that is one DNS label of lower-case letters, digits and hyphens.
    static func isVirtualHostable(_ bucket: String) -> Bool {
        LowerCaseLabel.isValid(bucket)
    }
}
