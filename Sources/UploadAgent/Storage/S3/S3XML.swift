/// The one XML document S3 needs us to write: the CompleteMultipartUpload body (replies
/// are read with `XMLText`).
enum S3XML {
    /// The body of CompleteMultipartUpload: every part, in ascending part number.
    static func completeMultipartUpload(_ state: S3MultipartState) -> String {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for number in state.completedParts.keys.sorted() {
            xml += "<Part>"
            if let checksum = state.partChecksums[number] {
                xml += "<ChecksumSHA256>\(XMLText.escape(checksum))</ChecksumSHA256>"
            }
            xml += "<ETag>\(XMLText.escape(state.completedParts[number]!))</ETag><PartNumber>\(number)</PartNumber></Part>"
        }
        return xml + "</CompleteMultipartUpload>"
    }
}
